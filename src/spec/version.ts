/**
 * The runtime-spec version runts implements (written as `ociVersion` and shown by
 * --version). A module of its own so that --version loads no more than this of spec/.
 */
export const SPEC_VERSION = '1.2.1';
