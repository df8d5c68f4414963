// Preloaded into prism (required by prism-transparent-redirects.cjs). prism's HTTP server reads every
// request body that is not JSON as UTF-8 text and forwards that text upstream, which corrupts binary
// bodies (release asset uploads: invalid UTF-8 sequences become U+FFFD and the length changes).
// Here binary bodies are read as latin1 (one char per byte, so validation still sees a string, as the
// description's `type: string, format: binary` expects) and turned back into the same bytes when prism
// forwards them. Everything else, including the contract checks, is untouched.
'use strict';
const path = require('path');
const Module = require('module');

const textual = /json|^text\/|xml|x-www-form-urlencoded|multipart\//i;
const isBinary = contentType => typeof contentType === 'string' && contentType.length > 0 && !textual.test(contentType);

function withBinaryText(micri) {
  const copy = {};
  for (const key of Object.keys(micri)) copy[key] = micri[key];
  copy.default = micri.default;
  copy.text = async function text(request, options) {
    if (isBinary(request.headers['content-type'])) {
      // micri's default limit (1 MB) answers 413 to a real asset, such as the module's 12 MB nupkg.
      const bytes = await micri.buffer(request, Object.assign({}, options, { limit: '256mb' }));
      return bytes.toString('latin1');
    }
    return micri.text(request, options);
  };
  return copy;
}

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  const exported = originalLoad.apply(this, arguments);
  if (request === 'micri' && parent && parent.filename && parent.filename.includes(`prism-http-server${path.sep}`)) {
    return withBinaryText(exported);
  }
  return exported;
};

const forwarder = require.resolve('@stoplight/prism-http/dist/forwarder/index.js', { paths: [__dirname] });
const nodeFetch = require(require.resolve('node-fetch', { paths: [path.dirname(forwarder)] }));
const previous = nodeFetch.default || nodeFetch;
nodeFetch.default = function fetchBinaryBodies(url, options) {
  if (options && typeof options.body === 'string' && options.headers) {
    const contentType = options.headers['content-type'] || options.headers['Content-Type'];
    if (isBinary(contentType)) {
      options = Object.assign({}, options, { body: Buffer.from(options.body, 'latin1') });
    }
  }
  return previous(url, options);
};
