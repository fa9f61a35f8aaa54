/**
 * `PUT|GET|HEAD /v1/workspaces/:ws/blobs/:sha256`: the bytes of a document's original or extracted text, named by
 * their SHA-256. PUT streams `application/octet-stream` (the hash is checked as it arrives; a mismatch stores
 * nothing); GET honours `Range: bytes=…` (206, `Content-Range`) so interrupted downloads resume; the `ETag` is
 * the hash. A workspace reads only blobs uploaded to it and referenced by its log.
 */
export const blobHeaders = { contentType: 'application/octet-stream' } as const;
