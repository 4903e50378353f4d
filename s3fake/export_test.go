package s3fake

// IntegrityKey is the metadata key of the disk backend's checksums.
const IntegrityKey = integrityKey
