/**
 * What the code under test writes to stderr while `run` runs (engineLog's path when no engine
 * listens), with stderr itself left untouched afterwards, whether `run` succeeds or throws.
 */
export async function captureStderr<T>(run: () => Promise<T>): Promise<{ result: T; written: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let written = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await run(), written };
  } finally {
    process.stderr.write = original;
  }
}
