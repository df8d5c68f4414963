// Preloaded into prism (node --require): its proxy fetches upstream with node-fetch, which follows
// redirects itself and reads every body as text. GitHub answers downloads (run logs, release assets)
// with a 302 to storage that the *client* must follow. With redirect: 'manual' prism validates the
// 302 against the description and hands it to the client, which downloads the bytes directly.
'use strict';
const path = require('path');
const forwarder = require.resolve('@stoplight/prism-http/dist/forwarder/index.js', { paths: [__dirname] });
const fetchPath = require.resolve('node-fetch', { paths: [path.dirname(forwarder)] });
const nodeFetch = require(fetchPath);
const original = nodeFetch.default || nodeFetch;
nodeFetch.default = function fetchWithoutFollowing(url, options) {
  return original(url, Object.assign({}, options, { redirect: 'manual' }));
};

// Binary request bodies (release asset uploads) pass through byte for byte.
require('./prism-binary-bodies.cjs');
