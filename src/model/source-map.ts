/**
 * What BuildKit's provenance (mode=max, written into buildx's metadata file) says of one build: which layers each
 * step's output has, and where in the Dockerfile the step was written. Exact where it exists, so a layer's line
 * is read from it before it is matched from the image's history.
 */
export interface SourceStep {
  /** The step's output, base layer first, each layer named by its blob digest or, uncompressed, its diff ID. */
  chain: string[];
  /** The outputs of the step's inputs, the same way. */
  inputs: string[][];
  /** Each place the step was written, as the first and last line of its ranges (1-based, inclusive). */
  places: { start: number; end: number }[];
}

export interface SourceMap {
  /** The Dockerfile as BuildKit read it: lines count only where it is the file the report's lines are on. */
  dockerfile: string;
  steps: SourceStep[];
}
