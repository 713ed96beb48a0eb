package blob

import (
	"net/url"
	"strings"

	"github.com/zebralabs/zebra/platform/config"
)

// Config is object storage's configuration (S3_*), parsed by Module and
// printed by `zebra config` as the "blob" section. Object storage is off
// while S3_ENDPOINT and S3_BUCKET are both empty.
type Config struct {
	// Endpoint is the S3 API's base URL: https://s3.eu-west-1.amazonaws.com
	// on AWS, http://127.0.0.1:9000 for a local MinIO. Its scheme decides
	// TLS. Presigned URLs name this host, so clients must reach it too.
	Endpoint string `env:"S3_ENDPOINT" validate:"omitempty,http_url"`
	// PublicEndpoint is the base URL that presigned URLs name, when
	// clients reach the storage by another address than the service does
	// (docker compose: the service calls http://minio:9000, a browser on
	// the host http://localhost:9000). Empty: Endpoint. Only signing uses
	// it: the host is part of a presigned URL's signature.
	PublicEndpoint string `env:"S3_PUBLIC_ENDPOINT" validate:"omitempty,http_url"`
	// Bucket must exist: the service never creates it (Terraform or the
	// compose file's init container does).
	Bucket string `env:"S3_BUCKET"`
	// Region signs every request; MinIO and versitygw accept us-east-1.
	Region string `env:"S3_REGION" envDefault:"us-east-1" validate:"required"`
	// AccessKeyID and SecretAccessKey are static credentials. Both empty
	// means the environment's: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
	// then the ECS task role, an EKS pod role or the EC2 instance role
	// (minio-go's IAM provider), refreshed before they expire.
	AccessKeyID     string `env:"S3_ACCESS_KEY_ID"`
	SecretAccessKey string `env:"S3_SECRET_ACCESS_KEY" secret:"true"`
	// UsePathStyle addresses the bucket as https://host/bucket/key rather
	// than https://bucket.host/key: MinIO and most local servers need it;
	// AWS S3 prefers virtual-hosted style.
	UsePathStyle bool `env:"S3_USE_PATH_STYLE" envDefault:"false"`
	// InsecureSkipVerify accepts any TLS certificate of the endpoint (a
	// local MinIO with a self-signed one). APP_ENV=prod refuses it.
	InsecureSkipVerify bool `env:"S3_INSECURE_SKIP_VERIFY" envDefault:"false"`
	// MaxRetries is how many times minio-go retries a failed idempotent
	// call, with backoff, within the caller's deadline.
	MaxRetries int `env:"S3_MAX_RETRIES" envDefault:"3" validate:"gte=1,lte=10"`
}

// Enabled reports whether object storage is configured.
func (c Config) Enabled() bool { return c.Endpoint != "" || c.Bucket != "" }

// Validate checks what the tags cannot: endpoint and bucket together,
// both keys or neither, an endpoint without a path.
func (c *Config) Validate() error {
	var ps []config.ProblemError
	if c.Enabled() {
		if c.Endpoint == "" {
			ps = append(ps, config.ProblemError{Var: "S3_ENDPOINT", Reason: "must be set with S3_BUCKET (both empty turns object storage off)"})
		}
		if c.Bucket == "" {
			ps = append(ps, config.ProblemError{Var: "S3_BUCKET", Reason: "must be set with S3_ENDPOINT (both empty turns object storage off)"})
		}
	}
	for name, v := range map[string]string{"S3_ENDPOINT": c.Endpoint, "S3_PUBLIC_ENDPOINT": c.PublicEndpoint} {
		if u, err := url.Parse(v); v != "" && err == nil && strings.Trim(u.Path, "/") != "" {
			ps = append(ps, config.ProblemError{Var: name, Value: v, Reason: "must be a base URL without a path (scheme://host[:port])"})
		}
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		ps = append(ps, config.ProblemError{Var: "S3_SECRET_ACCESS_KEY", Secret: true,
			Reason: "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (both empty: the task role's credentials)"})
	}
	if len(ps) > 0 {
		return &config.Error{Problems: ps}
	}
	return nil
}

// RefuseInsecure implements config.ProdChecker.
func (c Config) RefuseInsecure() error {
	if c.InsecureSkipVerify {
		return &config.Error{Problems: []config.ProblemError{{
			Var: "S3_INSECURE_SKIP_VERIFY", Value: "true",
			Reason: "APP_ENV=prod refuses to skip the verification of the object storage's TLS certificate",
		}}}
	}
	return nil
}
