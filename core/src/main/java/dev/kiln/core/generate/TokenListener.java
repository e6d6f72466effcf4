package dev.kiln.core.generate;

/** Receives each generated token id as soon as it is sampled (end-of-generation tokens are not reported). */
@FunctionalInterface
public interface TokenListener {

    /**
     * @return true to continue, false to stop generating (the token is kept)
     */
    boolean onToken(int token);
}
