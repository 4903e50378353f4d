// CommonJS async handler.
exports.handler = async (event, context) => {
  console.log('hello from node', { n: 1 });
  return {
    event,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    identity: context.identity,
    clientContext: context.clientContext,
    remaining: context.getRemainingTimeInMillis(),
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    traceId: process.env._X_AMZN_TRACE_ID,
    pid: process.pid,
  };
};

exports.nested = { deeper: { handler: async () => 'nested export' } };

exports.thrower = async () => {
  throw new TypeError('bad thing');
};

exports.notAFunction = 42;

exports.crashLater = async () => {
  setTimeout(() => {
    throw new Error('uncaught in a timer');
  }, 1);
  return new Promise(() => {}); // never settles
};
