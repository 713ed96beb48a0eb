package blob

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 implements Store on an S3-compatible service with minio-go.
type S3 struct {
	client *minio.Client
	// signer presigns URLs: client itself, or one on S3_PUBLIC_ENDPOINT.
	signer *minio.Client
	bucket string
	now    func() time.Time
}

var _ Store = (*S3)(nil)

// defaultContentType is what S3 itself assumes for an untyped object.
const defaultContentType = "application/octet-stream"

// NewS3 returns a store over c's bucket. It connects to nothing: the first
// call (or Check) does. c must be Enabled.
func NewS3(c Config) (*S3, error) {
	if !c.Enabled() {
		return nil, ErrNotConfigured
	}
	client, err := newClient(c, c.Endpoint)
	if err != nil {
		return nil, err
	}
	signer := client
	if c.PublicEndpoint != "" && c.PublicEndpoint != c.Endpoint {
		if signer, err = newClient(c, c.PublicEndpoint); err != nil {
			return nil, err
		}
	}
	return &S3{client: client, signer: signer, bucket: c.Bucket, now: time.Now}, nil
}

// newClient returns a minio-go client of c on endpoint.
func newClient(c Config, endpoint string) (*minio.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("blob: %q is not a URL", endpoint)
	}
	secure := u.Scheme == "https"
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("blob: transport: %w", err)
	}
	if secure && c.InsecureSkipVerify {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // opt-in for a local server; refused when APP_ENV=prod
	}
	lookup := minio.BucketLookupDNS
	if c.UsePathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentialsOf(c),
		Secure:       secure,
		Transport:    transport,
		Region:       c.Region, // known: no GetBucketLocation round trip before presigning
		BucketLookup: lookup,
		MaxRetries:   c.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: client: %w", err)
	}
	return client, nil
}

// credentialsOf returns the static keys when configured, else the
// environment's chain: AWS_* variables, then the IAM provider (ECS task
// role, EKS pod role, EC2 instance role).
func credentialsOf(c Config) *credentials.Credentials {
	if c.AccessKeyID != "" {
		return credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, "")
	}
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.IAM{},
	})
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	if size < 0 {
		return Info{}, fmt.Errorf("blob: put %s: the size must be known", key)
	}
	if opts.MaxBytes > 0 && size > opts.MaxBytes {
		return Info{}, fmt.Errorf("blob: put %s: %d bytes, limit %d: %w", key, size, opts.MaxBytes, ErrTooLarge)
	}
	ct := contentTypeOf(opts)
	// io.LimitReader: minio-go sends exactly size bytes; a longer reader
	// must not grow the object past what was checked.
	info, err := s.client.PutObject(ctx, s.bucket, key, io.LimitReader(r, size), size, minio.PutObjectOptions{ContentType: ct})
	if err != nil {
		return Info{}, s.fail("put", key, err)
	}
	return Info{Key: key, Size: info.Size, ContentType: ct, ETag: info.ETag, LastModified: info.LastModified}, nil
}

// Get implements Store. It stats the object first, so that a missing one
// is ErrNotFound here rather than on the first Read.
func (s *S3) Get(ctx context.Context, key string) (*Object, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		_ = obj.Close()
		return nil, s.fail("get", key, err)
	}
	return &Object{Info: infoOf(st), ReadCloser: obj}, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.fail("stat", key, err)
	}
	return infoOf(st), nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err == nil {
		return nil
	}
	if err = s.fail("delete", key, err); errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// PresignGet implements Store.
func (s *S3) PresignGet(ctx context.Context, key string, expiry time.Duration, opts GetOptions) (Presigned, error) {
	if err := checkExpiry(expiry); err != nil {
		return Presigned{}, err
	}
	params := url.Values{}
	if opts.Filename != "" {
		params.Set("response-content-disposition", mime.FormatMediaType("attachment", map[string]string{"filename": opts.Filename}))
	}
	at := s.now()
	u, err := s.signer.PresignedGetObject(ctx, s.bucket, key, expiry, params)
	if err != nil {
		return Presigned{}, s.fail("presign get", key, err)
	}
	return Presigned{Method: http.MethodGet, URL: u.String(), Headers: http.Header{}, ExpiresAt: at.Add(expiry)}, nil
}

// PresignPut implements Store. Content-Type and Content-Length are signed
// headers, which is how a presigned PUT constrains what it stores.
func (s *S3) PresignPut(ctx context.Context, key string, size int64, expiry time.Duration, opts PutOptions) (Presigned, error) {
	if err := checkExpiry(expiry); err != nil {
		return Presigned{}, err
	}
	if size < 0 {
		return Presigned{}, fmt.Errorf("blob: presign put %s: the size must be known", key)
	}
	if opts.MaxBytes > 0 && size > opts.MaxBytes {
		return Presigned{}, fmt.Errorf("blob: presign put %s: %d bytes, limit %d: %w", key, size, opts.MaxBytes, ErrTooLarge)
	}
	headers := http.Header{}
	headers.Set("Content-Type", contentTypeOf(opts))
	headers.Set("Content-Length", strconv.FormatInt(size, 10))
	at := s.now()
	u, err := s.signer.PresignHeader(ctx, http.MethodPut, s.bucket, key, expiry, nil, headers)
	if err != nil {
		return Presigned{}, s.fail("presign put", key, err)
	}
	return Presigned{Method: http.MethodPut, URL: u.String(), Headers: headers, ExpiresAt: at.Add(expiry)}, nil
}

// Check implements Store: HEAD on the bucket (s3:ListBucket on AWS).
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: bucket %s: %w: %w", s.bucket, ErrUnavailable, err)
	}
	if !ok {
		return fmt.Errorf("blob: bucket %s does not exist: %w", s.bucket, ErrUnavailable)
	}
	return nil
}

// fail wraps err: as ErrNotFound when S3 says the key does not exist, as
// ErrUnavailable otherwise.
func (s *S3) fail(op, key string, err error) error {
	if r := minio.ToErrorResponse(err); r.Code == minio.NoSuchKey || (r.StatusCode == http.StatusNotFound && r.Code != minio.NoSuchBucket) {
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("blob: %s %s: %w: %w", op, key, ErrUnavailable, err)
}

func infoOf(st minio.ObjectInfo) Info {
	return Info{Key: st.Key, Size: st.Size, ContentType: st.ContentType, ETag: st.ETag, LastModified: st.LastModified}
}

func contentTypeOf(opts PutOptions) string {
	if opts.ContentType == "" {
		return defaultContentType
	}
	return opts.ContentType
}

func checkExpiry(expiry time.Duration) error {
	if expiry < time.Second || expiry > MaxPresignExpiry {
		return fmt.Errorf("blob: a presigned URL lives 1s to 7 days, not %s", expiry)
	}
	return nil
}
