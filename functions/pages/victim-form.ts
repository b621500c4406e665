import middy from '@middy/core';
import { showCheckAnswers } from '../form/check-answers.js';
import { leave, showFrontDoor, showStart } from '../form/front-door.js';
import { answerQuestion, showEmergency, showQuestion } from '../form/question-pages.js';
import { dispatch, withOpenSession, withPostedAnswers } from '../form/request.js';
import { sendReferral } from '../form/send-referral.js';
import { httpDefaults } from '../http/http-defaults.js';

/** The victim's online form: a route per page; `{page}` is any question's id. */
const routes = {
  'GET /': showFrontDoor,
  'GET /refer': showStart,
  // "Exit this page" leaves however it is reached.
  '* /refer/exit': leave,
  'GET /refer/emergency': withOpenSession(showEmergency),
  'GET /refer/check': withOpenSession(showCheckAnswers),
  'GET /refer/{page}': withOpenSession(showQuestion),
  // The check page's Send posts to the confirmation's address; a post to the check page sends too.
  'POST /refer/check': withPostedAnswers(sendReferral),
  'POST /refer/confirmation': withPostedAnswers(sendReferral),
  'POST /refer/{page}': withPostedAnswers(answerQuestion),
};

export const handler = middy(dispatch(routes)).use(httpDefaults());
