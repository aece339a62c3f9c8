'use strict';
/* global require, exports */
// The loadable twin of failure-converter.ts. The SDK loads `failureConverterPath` with a plain CommonJS require()
// in the worker, the client and the workflow bundle; a .ts ESM file fails there under both tsx and vitest, so the
// path points here. Keep the options identical to failure-converter.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
