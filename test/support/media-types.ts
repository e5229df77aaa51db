/** The manifest and blob media types the tests push and read, OCI and Docker v2 schema 2. */

export const OCI = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const DOCKER = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/**
 * Accept all four manifest kinds when reading: distribution answers an OCI manifest or index
 * with 404 to a client that does not accept OCI, and answers a Docker manifest list with its
 * amd64 child to a client that does not accept lists.
 */
export const ALL_MANIFEST_TYPES = [OCI.index, OCI.manifest, DOCKER.index, DOCKER.manifest].join(', ');
