// ES module handler.
export const handler = async (event, context) => ({ esm: true, event, requestId: context.awsRequestId });
