/**
 * The model graph: {@link dev.kiln.core.graph.Forward} runs one {@link dev.kiln.core.spi.Batch} through the
 * decoder blocks (written once against {@link dev.kiln.core.spi.Ops}); {@link dev.kiln.core.graph.Placement} maps
 * each slot to a backend by llama.cpp's {@code -ngl} rule; {@link dev.kiln.core.graph.LayerScheduler} moves the
 * residual stream where adjacent slots live on different backends. {@link dev.kiln.core.graph.Forward#profile} times
 * every op of the passes into an {@link dev.kiln.core.graph.OpProfile} ({@code kiln bench --profile}).
 *
 * <pre>
 * tokens -&gt; embed (cpu) -&gt; [block 0] -&gt; ... -&gt; [block n-1] -&gt; [output head: gather logit rows, norm, matmul] -&gt; logits
 *                          |&lt;- slots on cpu -&gt;|&lt;-------- slots on the accelerator (-ngl k) --------&gt;|
 *                                  residual [rows][dim] crosses once at the boundary
 * </pre>
 */
package dev.kiln.core.graph;
