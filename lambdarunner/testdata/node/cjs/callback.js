// Callback-style handlers.
exports.handler = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', event }), 5);
};

// The callback is called at once, but a timer keeps the event loop busy:
// the response waits for it unless callbackWaitsForEmptyEventLoop is false.
exports.pending = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => console.log('timer fired'), event.ms);
  callback(null, 'done');
};

exports.fails = (event, context, callback) => {
  callback(new Error('callback error'));
};

exports.sync = (event) => {
  // Returns nothing and never calls back: the runtime answers null once
  // the event loop is empty.
};
