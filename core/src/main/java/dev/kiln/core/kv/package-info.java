/**
 * The KV cache: per block, K and V buffers on that block's backend, holding one or more sequences (a CLI run has
 * one, a server one per slot), each with its own fill level ({@link dev.kiln.core.kv.KvCache#position(int)}).
 */
package dev.kiln.core.kv;
