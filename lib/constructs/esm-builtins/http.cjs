// Bundled in place of `node:http` (see referral-function.ts). Importing it as an ES module makes Node
// evaluate every lazy export of the module, fetch's undici among them, which costs a cold start more than
// the rest of the SDK's HTTP handler; getBuiltinModule hands over the module as it is. (Not require: the
// alias would turn that back into this file.)
module.exports = process.getBuiltinModule('node:http');
