package blob

import (
	"context"
	"io"
	"time"
)

// Disabled is the Store of a service without object storage: every call
// answers ErrNotConfigured, which the HTTP layer renders as 503
// unavailable. Module provides it while S3_ENDPOINT and S3_BUCKET are
// empty, so the contexts that use blobs need no second wiring.
type Disabled struct{}

var _ Store = Disabled{}

// Put implements Store.
func (Disabled) Put(context.Context, string, io.Reader, int64, PutOptions) (Info, error) {
	return Info{}, ErrNotConfigured
}

// Get implements Store.
func (Disabled) Get(context.Context, string) (*Object, error) { return nil, ErrNotConfigured }

// Stat implements Store.
func (Disabled) Stat(context.Context, string) (Info, error) { return Info{}, ErrNotConfigured }

// Delete implements Store.
func (Disabled) Delete(context.Context, string) error { return ErrNotConfigured }

// PresignGet implements Store.
func (Disabled) PresignGet(context.Context, string, time.Duration, GetOptions) (Presigned, error) {
	return Presigned{}, ErrNotConfigured
}

// PresignPut implements Store.
func (Disabled) PresignPut(context.Context, string, int64, time.Duration, PutOptions) (Presigned, error) {
	return Presigned{}, ErrNotConfigured
}

// Check implements Store.
func (Disabled) Check(context.Context) error { return ErrNotConfigured }
