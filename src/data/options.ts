/**
 * Options of {@link readCifar10} and `cifar10.loadData` (types only, no runtime code).
 */

/** Progress of a long step: `phase` is `'download'` or `'read'`; `done`/`total` count bytes. */
export interface LoadProgress {
  phase: string;
  done: number;
  total: number;
}

/** Where to read CIFAR-10 from and how. All fields are optional. */
export interface LoadOptions {
  /**
   * An explicit source, tried first: `cifar-10-binary.tar.gz` / `cifar-10-python.tar.gz`, an
   * extracted `cifar-10-batches-bin` / `cifar-10-batches-py` folder, or a folder containing
   * one of those.
   */
  path?: string;
  /** The cache folder (default `$XDG_CACHE_HOME/cnnkit/datasets`, else `~/.cache/cnnkit/datasets`). */
  cacheDir?: string;
  /** Download the official archive when no local copy is found (default true). */
  download?: boolean;
  /** Called as bytes are downloaded and read. */
  onProgress?: (p: LoadProgress) => void;
  /** The fetch function used to download (default the global `fetch`); tests inject a fake. */
  fetchImpl?: typeof fetch;
  /** Download address (default the dataset's home page, {@link CIFAR10_URL}). */
  url?: string;
  /** Expected md5 of the downloaded archive (default the official archive's). */
  expectedMd5?: string;
  /** Expected size in bytes of the downloaded archive (default the official archive's). */
  expectedSize?: number;
  /**
   * Environment consulted for `CNNKIT_DATA`, `XDG_CACHE_HOME`, `KERAS_HOME` and `HOME`
   * (default `process.env`).
   */
  env?: Record<string, string | undefined>;
}

/** The official binary archive on the dataset's home page. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** md5 of the official `cifar-10-binary.tar.gz`. */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** Size in bytes of the official `cifar-10-binary.tar.gz`. */
export const CIFAR10_ARCHIVE_BYTES = 170_052_171;
/** File name of the official binary archive. */
export const CIFAR10_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
