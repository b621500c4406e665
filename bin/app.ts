#!/usr/bin/env node
import { createReferralApp } from '../lib/app.js';

createReferralApp().app.synth();
