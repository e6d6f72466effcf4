/**
 * The OpenAI (and llama-server) request and response shapes as records, read and written with Jackson:
 * {@link dev.kiln.server.api.RequestReader} turns a request body into a validated request record, naming the
 * offending field in every error; the response records serialize with snake_case names and without null fields.
 */
package dev.kiln.server.api;
