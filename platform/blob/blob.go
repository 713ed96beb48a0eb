// Package blob is the platform's port to object storage: put, get, stat and
// delete an object by key, and presign GET and PUT URLs so that clients
// move the bytes to and from the bucket directly, never through the API.
// S3 implements it over any S3-compatible service with minio-go (AWS S3,
// MinIO, versitygw); Disabled stands in when no bucket is configured, so a
// context that uses blobs starts either way and answers 503 unavailable
// for the routes that need one.
//
// Keys are the caller's: a context chooses them (and so its own prefix),
// the port only stores bytes under them.
package blob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// Store is object storage. Every method is safe for concurrent use.
type Store interface {
	// Put stores size bytes read from r under key. It refuses, before
	// sending anything, a size above opts.MaxBytes (ErrTooLarge) or an
	// unknown (negative) size.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Get opens the object for reading; the caller closes it. ErrNotFound
	// when there is none.
	Get(ctx context.Context, key string) (*Object, error)
	// Stat describes the object without reading it; ErrNotFound when
	// there is none.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object. Deleting a missing object succeeds, so a
	// retried cleanup is harmless.
	Delete(ctx context.Context, key string) error
	// PresignGet returns a URL that reads the object without credentials
	// until expiry has passed.
	PresignGet(ctx context.Context, key string, expiry time.Duration, opts GetOptions) (Presigned, error)
	// PresignPut returns a URL that stores exactly size bytes of
	// opts.ContentType under key, without credentials, until expiry has
	// passed. The Content-Type and Content-Length headers are part of the
	// signature: the storage refuses an upload of another type or size.
	PresignPut(ctx context.Context, key string, size int64, expiry time.Duration, opts PutOptions) (Presigned, error)
	// Check reports whether the bucket answers (readiness).
	Check(ctx context.Context) error
}

// PutOptions describes an object to store.
type PutOptions struct {
	// ContentType is stored with the object and served back on GET;
	// empty is application/octet-stream.
	ContentType string
	// MaxBytes refuses larger objects; 0 means no limit of the caller's.
	MaxBytes int64
}

// GetOptions shapes the response of a presigned GET.
type GetOptions struct {
	// Filename, when set, makes the response a download of that name
	// (Content-Disposition: attachment), whatever the key is.
	Filename string
}

// Info describes a stored object.
type Info struct {
	Key          string
	Size         int64
	ContentType  string
	ETag         string
	LastModified time.Time
}

// Object is an open object: its description and its bytes.
type Object struct {
	Info
	io.ReadCloser
}

// Presigned is a request a client may make without credentials.
type Presigned struct {
	// Method is GET or PUT.
	Method string
	URL    string
	// Headers are those the client must send as they are (they are
	// signed): Content-Type and Content-Length of a PUT.
	Headers http.Header
	// ExpiresAt is when the storage starts refusing the URL.
	ExpiresAt time.Time
}

var (
	// ErrNotFound means no object is stored under the key.
	ErrNotFound = errors.New("blob: object not found")
	// ErrTooLarge means the object is larger than PutOptions.MaxBytes.
	ErrTooLarge = errors.New("blob: object too large")
	// ErrUnavailable wraps every other failure of the storage (network,
	// credentials, the service's own errors): callers answer 503 and may
	// retry.
	ErrUnavailable = errors.New("blob: object storage unavailable")
	// ErrNotConfigured means the service runs without object storage
	// (S3_ENDPOINT and S3_BUCKET unset): Disabled answers it for every
	// call, and the HTTP layer maps it to 503 unavailable.
	ErrNotConfigured = errors.New("blob: object storage is not configured (S3_ENDPOINT, S3_BUCKET)")
)

// MaxPresignExpiry is the longest validity SigV4 allows a presigned URL.
const MaxPresignExpiry = 7 * 24 * time.Hour
