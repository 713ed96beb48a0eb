// Package settings is the activities context's configuration section
// ("activities" in `zebra config`): the attachments' limits. Object
// storage itself is the platform's (S3_*, platform/blob).
package settings

import "time"

// Config is parsed from the environment by config.Provide.
type Config struct {
	// AttachmentMaxBytes is the largest attachment accepted: the size a
	// client declares is checked against it, and signed into the upload.
	AttachmentMaxBytes int64 `env:"ATTACHMENT_MAX_BYTES" envDefault:"10485760" validate:"gte=1,lte=5368709120"`
	// AttachmentURLTTL is how long an upload or download URL works: long
	// enough for a slow upload of the largest file, short enough that a
	// leaked link soon stops working.
	AttachmentURLTTL time.Duration `env:"ATTACHMENT_URL_TTL" envDefault:"15m" validate:"gte=1s,lte=168h"`
}
