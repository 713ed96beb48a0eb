package httpapi

import (
	"encoding/json"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/etag"
)

// Activity is an activity on the wire (API.md).
type Activity struct {
	ID          string  `json:"id" format:"uuid" doc:"UUIDv7, time-ordered."`
	Title       string  `json:"title" doc:"1..200 characters, trimmed, no control characters."`
	Description *string `json:"description" nullable:"true" doc:"Up to 5000 characters, or null."`
	Status      string  `json:"status" enum:"planned,in_progress,done,cancelled"`
	OwnerID     string  `json:"ownerId" format:"uuid"`
	CreatedAt   string  `json:"createdAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	UpdatedAt   string  `json:"updatedAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	CreatedBy   string  `json:"createdBy" format:"uuid"`
	UpdatedBy   string  `json:"updatedBy" format:"uuid"`
	Version     int     `json:"version" minimum:"1" doc:"Starts at 1, +1 on every change; the ETag is its quoted value."`
}

// activityOf converts a view to the wire.
func activityOf(v query.Activity) Activity {
	return Activity{
		ID: v.ID.String(), Title: v.Title, Description: v.Description, Status: v.Status, OwnerID: v.OwnerID.String(),
		CreatedAt: timestamp(v.CreatedAt), UpdatedAt: timestamp(v.UpdatedAt),
		CreatedBy: v.CreatedBy.String(), UpdatedBy: v.UpdatedBy.String(), Version: v.Version,
	}
}

// timestamp formats t as API.md writes times: RFC 3339, UTC, milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// activityOutput is a single activity with its ETag.
type activityOutput struct {
	ETag string `header:"ETag" doc:"The activity's version, quoted: send it back in If-Match."`
	Body Activity
}

func outputOf(v query.Activity) *activityOutput {
	return &activityOutput{ETag: etag.Format(v.Version), Body: activityOf(v)}
}

// optionalString is a merge-patch field that may be absent (unchanged),
// null (cleared) or a string.
type optionalString struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the field was present, null or not.
func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Schema documents the field as a nullable string of at most 5000
// characters, which huma validates before decoding.
func (optionalString) Schema(huma.Registry) *huma.Schema {
	maxLen := 5000
	return &huma.Schema{
		Type: "string", Nullable: true, MaxLength: &maxLen,
		Description: "Up to 5000 characters; null clears it; absent leaves it unchanged.",
	}
}
