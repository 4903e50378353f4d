// firehose-local's Node.js runtime client for Lambda functions.
//
// No dependencies. It reproduces what AWS's aws-lambda-ric does for the
// managed nodejs runtimes: load the handler named by _HANDLER (CommonJS or
// ES module), then loop GET /next -> handler(event, context, callback) ->
// POST /response or /error, with the same context object, callback and
// event-loop semantics, error bodies and console log format.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const require = createRequire(import.meta.url);
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// ------------------------------------------------------------------ errors

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
for (const e of [ImportModuleError, HandlerNotFound, MalformedHandlerName,
  UserCodeSyntaxError, UnhandledPromiseRejection, NodeJsExit]) {
  e.prototype.name = `Runtime.${e.name}`;
}

function isError(obj) {
  return obj && typeof obj.name === 'string' && typeof obj.message === 'string' &&
    typeof obj.stack === 'string';
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// toRapidResponse is the error body the runtime posts: {errorType, errorMessage, trace}.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = Object.assign({ errorType: error.name, errorMessage: error.message, code: error.code }, error);
    if (typeof error.stack === 'string') {
      ret.stack = error.stack.split('\n');
    }
    return ret;
  }
  return error;
}

// toFormatted renders an error for the log; it always starts with a tab.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ------------------------------------------------------------------ logging

let currentRequestId;

function patchConsole() {
  const levels = {
    TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6,
  };
  const min = levels[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || levels.TRACE;
  const logger = (level) => (message, ...params) => {
    if (levels[level] < min) {
      return;
    }
    let line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(message, ...params)}`;
    line = line.replace(/\n/g, '\r');
    process.stdout.write(line + '\n');
  };
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = logger('FATAL');
}

function logError(msg, err) {
  console.error(msg, toFormatted(intoError(err)));
}

// ------------------------------------------------------------------ Runtime API

class RAPIDClient {
  constructor(hostnamePort) {
    const [hostname, port] = hostnamePort.split(':');
    this.hostname = hostname;
    this.port = parseInt(port, 10);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  request(method, urlPath, body, headers) {
    return new Promise((resolve, reject) => {
      const req = http.request({
        hostname: this.hostname, port: this.port, path: urlPath, method, agent: this.agent,
        headers: Object.assign(
          body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          headers || {}),
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async post(urlPath, body, headers) {
    const res = await this.request('POST', urlPath, body, headers);
    // 413: the platform already turned the response into
    // Function.ResponseSizeTooLarge; carry on.
    if (res.status !== 202 && res.status !== 413) {
      throw new Error(`POST ${urlPath} returned ${res.status}: ${res.body.slice(0, 200)}`);
    }
  }

  async nextInvocation() {
    const res = await this.request('GET', '/2018-06-01/runtime/invocation/next');
    if (res.status !== 200) {
      throw new Error(`GET /next returned ${res.status}: ${res.body.slice(0, 200)}`);
    }
    return { bodyJson: res.body, headers: res.headers };
  }

  postInvocationResponse(response, id) {
    return this.post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
      trySerializeResponse(response));
  }

  postInvocationError(error, id) {
    const response = toRapidResponse(error);
    return this.post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
      trySerializeResponse(response));
  }

  postInitError(error) {
    const response = toRapidResponse(error);
    return this.post('/2018-06-01/runtime/init/error', trySerializeResponse(response),
      { [ERROR_TYPE_HEADER]: response.errorType });
  }
}

function trySerializeResponse(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (_err) {
    throw new Error('Unable to stringify response body');
  }
}

// A runtime API failure leaves the process unusable; the platform restarts it.
function fatal(err) {
  process.stderr.write(`Runtime API error: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

// ------------------------------------------------------------------ handler loading

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  return [moduleRoot, handlerString];
}

function splitHandlerString(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) {
    throw new MalformedHandlerName('Bad handler');
  }
  return [match[1], match[2]];
}

function resolveHandler(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

function tryRequireFile(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) && fs.statSync(p).isFile() ? require(p) : undefined;
}

async function tryAwaitImport(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? await import(pathToFileURL(p).href) : undefined;
}

function hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) {
    return false;
  }
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) {
        return pkg.type === 'module';
      }
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') {
    return false;
  }
  return hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

async function tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) {
    return extensionless;
  }
  const pjHasModule = hasFolderPackageJsonTypeModule(path.resolve(path.dirname(lambdaStylePath)));
  if (!pjHasModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) {
      return loaded;
    }
  }
  const loaded =
    (pjHasModule && (await tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await tryAwaitImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) {
    return loaded;
  }
  const nodeStylePath = require.resolve(module, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

async function loadUserApp(appRoot, moduleRoot, module) {
  globalThis.awslambda = {
    streamifyResponse: (handler) => handler,
  };
  try {
    return await tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new UserCodeSyntaxError(e);
    } else if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    }
    throw e;
  }
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandlerString);
  const [module, handlerPath] = splitHandlerString(moduleAndHandler);
  const userApp = await loadUserApp(appRoot, moduleRoot, module);
  const handlerFunc = resolveHandler(userApp, handlerPath);
  if (!handlerFunc) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handlerFunc !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handlerFunc;
}

function isAsync(handler) {
  try {
    return handler && typeof handler === 'function' && handler.constructor &&
      handler.constructor.name === 'AsyncFunction';
  } catch (_err) {
    return false;
  }
}

// ------------------------------------------------------------------ invoke loop

// beforeExit is emitted when the event loop is empty: that is when a
// callback-style result is posted (callbackWaitsForEmptyEventLoop).
let beforeExitListener = () => {};
const beforeExit = {
  set(fn) { beforeExitListener = fn; },
  reset() { beforeExitListener = () => {}; },
  invoke() { beforeExitListener(); },
};

function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, next) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id).then(next, fatal);
  };
  let isCompleteInvoked = false;
  const complete = (result, next) => {
    if (isCompleteInvoked) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    isCompleteInvoked = true;
    let body;
    try {
      body = trySerializeResponse(result);
    } catch (err) {
      postError(err, next);
      return;
    }
    client.post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, body).then(next, fatal);
  };
  let waitForEmptyEventLoop = true;

  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };
  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: (result) => done(null, result),
    fail: (err) => (err === undefined || err === null ? done('handled') : done(err, null)),
    done,
  };

  // Only the first call of any of them counts.
  let finished = false;
  const once = (fn) => function (...args) {
    if (!finished) {
      finished = true;
      fn(...args);
    }
  };
  callbackContext.succeed = once(callbackContext.succeed);
  callbackContext.fail = once(callbackContext.fail);
  callbackContext.done = once(callbackContext.done);
  return [once(callback), callbackContext, () => { isCompleteInvoked = true; }];
}

function parseJsonHeader(value, name) {
  if (value === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function attachEnvironmentData(callbackContext, headers) {
  if (headers['lambda-runtime-trace-id']) {
    process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return Object.assign(callbackContext, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  }, {
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

class Runtime {
  constructor(client, handler, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.isAsync = isAsync(handler);
    this.errorCallbacks = errorCallbacks;
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(() => {}, (err) => {
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        this.errorCallbacks.uncaughtException(err);
      });
    });
  }

  async handleOnce() {
    let next;
    try {
      next = await this.client.nextInvocation();
    } catch (err) {
      fatal(err);
      return;
    }
    const { bodyJson, headers } = next;
    const invokeId = headers['lambda-runtime-aws-request-id'];
    if (!invokeId) {
      fatal(new Error('invocation id is missing or invalid'));
      return;
    }
    currentRequestId = invokeId;

    const [callback, callbackContext, markCompleted] =
      buildCallbackContext(this.client, invokeId, this.scheduleIteration.bind(this));
    try {
      this.setErrorCallbacks(invokeId);
      this.setDefaultExitListener(invokeId, markCompleted);
      const context = attachEnvironmentData(callbackContext, headers);
      const result = this.handler(JSON.parse(bodyJson), context, callback);
      if (result && typeof result.then === 'function') {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  setErrorCallbacks(invokeId) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, invokeId).finally(() => process.exit(129));
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, invokeId).finally(() => process.exit(128));
    };
  }

  // If the event loop drains and the handler never answered: async handlers
  // fail with Runtime.NodeJsExit, others succeed with null.
  setDefaultExitListener(invokeId, markCompleted) {
    beforeExit.set(() => {
      markCompleted();
      if (this.isAsync) {
        const err = new NodeJsExit();
        logError('Invoke Error', err);
        this.client.postInvocationError(err, invokeId).then(() => this.scheduleIteration(), fatal);
      } else {
        this.client.postInvocationResponse(null, invokeId).then(() => this.scheduleIteration(), fatal);
      }
    });
  }
}

// ------------------------------------------------------------------ main

patchConsole();
const client = new RAPIDClient(process.env.AWS_LAMBDA_RUNTIME_API);
const errorCallbacks = {
  uncaughtException: (error) => {
    client.postInitError(error).finally(() => process.exit(129));
  },
  unhandledRejection: (error) => {
    client.postInitError(error).finally(() => process.exit(128));
  },
};
process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});
beforeExit.reset();
process.on('beforeExit', () => beforeExit.invoke());

const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
let handlerFunc;
try {
  handlerFunc = await loadHandler(appRoot, process.env._HANDLER || '');
} catch (err) {
  logError('Uncaught Exception', err);
  errorCallbacks.uncaughtException(err);
}
if (handlerFunc) {
  new Runtime(client, handlerFunc, errorCallbacks).scheduleIteration();
}
