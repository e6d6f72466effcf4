/**
 * A model file resolved against its architecture: {@link dev.kiln.core.model.ModelLoader} checks every tensor role
 * (presence, shape, type) before anything is computed and reports all problems at once;
 * {@link dev.kiln.core.model.ModelWeights} and {@link dev.kiln.core.model.LayerWeights} hold the zero-copy tensors.
 */
package dev.kiln.core.model;
