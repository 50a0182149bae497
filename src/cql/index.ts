export { createCqlClient, type CqlClientOptions } from './cql-client.js';
export { quoteIdentifier, quoteString } from './quote.js';
