/** cluster-key-slot ships no types: the Redis Cluster slot (CRC16 of the key or its hash tag, mod 16384). */
declare module 'cluster-key-slot' {
  /** The slot of one key (0–16383). */
  function generate(key: string | Buffer): number
  namespace generate {
    /** The slot all keys share, or -1 when they do not share one. */
    function generateMulti(keys: readonly (string | Buffer)[]): number
  }
  export = generate
}
