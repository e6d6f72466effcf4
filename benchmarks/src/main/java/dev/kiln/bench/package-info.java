/** JMH benchmarks. */
package dev.kiln.bench;
