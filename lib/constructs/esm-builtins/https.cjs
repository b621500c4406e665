// Bundled in place of `node:https`, for the reasons in ./http.cjs.
module.exports = process.getBuiltinModule('node:https');
