/**
 * What the server needs from a model, as small interfaces ({@link dev.kiln.server.model.StepModel},
 * {@link dev.kiln.server.model.TokenCodec}, {@link dev.kiln.server.model.ChatRenderer}), so that the HTTP and
 * scheduling layers can be tested with a scripted fake model and the real engine plugs in through one adapter.
 */
package dev.kiln.server.model;
