package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/etag"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// Attachment is an attachment's metadata on the wire (docs/api.md).
type Attachment struct {
	ID          string `json:"id" format:"uuid" doc:"UUIDv7, time-ordered."`
	ActivityID  string `json:"activityId" format:"uuid"`
	Filename    string `json:"filename" doc:"1..255 characters, trimmed, no control characters, no / or \\; the download's name."`
	ContentType string `json:"contentType" doc:"A media type (type/subtype, parameters allowed), in canonical form."`
	Size        int64  `json:"size" minimum:"1" doc:"Bytes, as declared; the upload must be exactly this size."`
	Status      string `json:"status" enum:"pending,available" doc:"pending until the upload is completed, then available."`
	CreatedAt   string `json:"createdAt" format:"date-time"`
	UpdatedAt   string `json:"updatedAt" format:"date-time"`
	CreatedBy   string `json:"createdBy" format:"uuid"`
	UpdatedBy   string `json:"updatedBy" format:"uuid"`
	Version     int    `json:"version" minimum:"1" doc:"Starts at 1, +1 on every change; the ETag is its quoted value."`
}

func attachmentOf(v query.Attachment) Attachment {
	return Attachment{
		ID: v.ID.String(), ActivityID: v.ActivityID.String(), Filename: v.Filename, ContentType: v.ContentType,
		Size: v.Size, Status: v.Status, CreatedAt: timestamp.Format(v.CreatedAt), UpdatedAt: timestamp.Format(v.UpdatedAt),
		CreatedBy: v.CreatedBy.String(), UpdatedBy: v.UpdatedBy.String(), Version: v.Version,
	}
}

// PresignedRequest is a request the client makes to object storage
// directly, without its bearer token.
type PresignedRequest struct {
	Method    string            `json:"method" enum:"GET,PUT"`
	URL       string            `json:"url" format:"uri" doc:"Signed; works without credentials until expiresAt."`
	Headers   map[string]string `json:"headers" doc:"Headers to send exactly as given (they are signed): Content-Type and Content-Length of an upload."`
	ExpiresAt string            `json:"expiresAt" format:"date-time"`
}

func presignedOf(p blob.Presigned) PresignedRequest {
	h := make(map[string]string, len(p.Headers))
	for k := range p.Headers {
		h[k] = p.Headers.Get(k)
	}
	return PresignedRequest{Method: p.Method, URL: p.URL, Headers: h, ExpiresAt: timestamp.Format(p.ExpiresAt)}
}

// NewAttachment is the body of POST /v1/activities/{id}/attachments.
type NewAttachment struct {
	Filename    string `json:"filename" maxLength:"1024" doc:"1..255 characters after trimming; a name, not a path."`
	ContentType string `json:"contentType" maxLength:"255" doc:"The media type the upload will send, e.g. application/pdf."`
	Size        int64  `json:"size" doc:"Exact size of the file in bytes, 1..ATTACHMENT_MAX_BYTES (10 MiB by default)."`
}

// Resolve adds the domain's verdict on the fields to the schema's errors
// (see NewActivity.Resolve); the size limit is the command's to check.
func (b *NewAttachment) Resolve(ctx huma.Context) []error {
	_, _, err := attachment.CheckFields(b.Filename, b.ContentType, b.Size, 0)
	return httpserver.AlongsideSchemaErrors(ctx, problem(err))
}

// AddedAttachment is the answer of POST .../attachments: the pending
// attachment and the upload to make.
type AddedAttachment struct {
	Attachment
	Upload PresignedRequest `json:"upload" doc:"PUT the file's bytes here, then POST .../complete."`
}

// AttachmentWithDownload is the answer of GET .../attachments/{attachmentId}.
type AttachmentWithDownload struct {
	Attachment
	Download *PresignedRequest `json:"download,omitempty" doc:"A GET that downloads the file under its filename; absent while pending."`
}

type attachmentPath struct {
	ID           string `path:"id" doc:"The activity's id."`
	AttachmentID string `path:"attachmentId" doc:"The attachment's id."`
}

type addAttachmentInput struct {
	ID   string `path:"id" doc:"The activity's id."`
	Body NewAttachment
}

type addAttachmentOutput struct {
	Location string `header:"Location" doc:"/v1/activities/{id}/attachments/{attachmentId}"`
	ETag     string `header:"ETag" doc:"The attachment's version, quoted."`
	Body     AddedAttachment
}

type listAttachmentsInput struct {
	ID string `path:"id" doc:"The activity's id."`
	pagination.Query
}

type listAttachmentsOutput struct {
	Body pagination.Page[Attachment]
}

type getAttachmentOutput struct {
	ETag string `header:"ETag" doc:"The attachment's version, quoted."`
	Body AttachmentWithDownload
}

type attachmentOutput struct {
	ETag string `header:"ETag" doc:"The attachment's version, quoted."`
	Body Attachment
}

type deleteAttachmentInput struct {
	ID           string `path:"id" doc:"The activity's id."`
	AttachmentID string `path:"attachmentId" doc:"The attachment's id."`
	IfMatch      string `header:"If-Match" doc:"Required: the ETag of the version being deleted."`
}

// registerAttachments registers the /v1/activities/{id}/attachments
// operations.
func (r *Routes) registerAttachments(api huma.API) {
	const base = "/v1/activities/{id}/attachments"
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "add-attachment", Method: http.MethodPost, Path: base, Tags: []string{Tag.Name},
		Summary: "Attach a file to an activity", DefaultStatus: http.StatusCreated, Security: httpserver.BearerAuth(),
		Description: "Records a pending attachment and answers `201` with it and `upload`: a presigned `PUT` " +
			"to object storage, valid until `upload.expiresAt`, whose signed `Content-Type` and `Content-Length` " +
			"headers must be sent as given (storage refuses another type or size). Then call `POST .../complete`. " +
			"`size` above `ATTACHMENT_MAX_BYTES` is `422`; without object storage configured, `503 unavailable`.",
	}, r.addAttachment)
	huma.Register(api, huma.Operation{
		OperationID: "list-attachments", Method: http.MethodGet, Path: base, Tags: []string{Tag.Name},
		Summary: "List an activity's attachments", Security: httpserver.BearerAuth(),
		Description: "A page of the activity's attachments (pending and available), newest first; metadata only. " +
			"`404` when the caller may not see the activity.",
	}, r.listAttachments)
	huma.Register(api, huma.Operation{
		OperationID: "get-attachment", Method: http.MethodGet, Path: base + "/{attachmentId}", Tags: []string{Tag.Name},
		Summary: "Get an attachment and its download URL", Security: httpserver.BearerAuth(),
		Description: "The attachment and, once available, `download`: a presigned `GET` that serves the file " +
			"under its filename until `download.expiresAt`. `503 unavailable` without object storage.",
	}, r.getAttachment)
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "complete-attachment", Method: http.MethodPost, Path: base + "/{attachmentId}/complete",
		Tags: []string{Tag.Name}, Summary: "Complete an attachment's upload", DefaultStatus: http.StatusOK,
		Security: httpserver.BearerAuth(),
		Description: "Checks the uploaded object against the declaration and makes the attachment `available`. " +
			"Nothing uploaded: `409` with `details.reason: upload_missing`; another size or type: `409` with " +
			"`details.reason: upload_mismatch`. Completing an available attachment answers it unchanged.",
	}, r.completeAttachment)
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "delete-attachment", Method: http.MethodDelete, Path: base + "/{attachmentId}", Tags: []string{Tag.Name},
		Summary: "Delete an attachment", DefaultStatus: http.StatusNoContent, Security: httpserver.BearerAuth(),
		Description: "Deletes the attachment; its object is deleted from storage after the commit, by the consumer " +
			"of the `attachment.deleted` event. Requires `If-Match` (`428` without, `412` when stale).",
	}, r.deleteAttachment)
}

func (r *Routes) addAttachment(ctx context.Context, in *addAttachmentInput) (*addAttachmentOutput, error) {
	added, err := r.app.Commands.AddAttachment.Handle(ctx, command.AddAttachment{
		ActivityID: parseID(in.ID), Filename: in.Body.Filename, ContentType: in.Body.ContentType, Size: in.Body.Size,
	})
	if err != nil {
		return nil, problem(err)
	}
	v := added.Attachment
	return &addAttachmentOutput{
		Location: "/v1/activities/" + v.ActivityID.String() + "/attachments/" + v.ID.String(),
		ETag:     etag.Format(v.Version),
		Body:     AddedAttachment{Attachment: attachmentOf(v), Upload: presignedOf(added.Upload)},
	}, nil
}

func (r *Routes) listAttachments(ctx context.Context, in *listAttachmentsInput) (*listAttachmentsOutput, error) {
	page, err := r.app.Queries.ListAttachments.Handle(ctx, query.ListAttachments{
		ActivityID: parseID(in.ID), Limit: in.Limit, Cursor: in.Cursor,
	})
	if err != nil {
		return nil, problem(err)
	}
	out := &listAttachmentsOutput{Body: pagination.Page[Attachment]{Items: make([]Attachment, len(page.Items)), NextCursor: page.NextCursor}}
	for i, v := range page.Items {
		out.Body.Items[i] = attachmentOf(v)
	}
	return out, nil
}

func (r *Routes) getAttachment(ctx context.Context, in *attachmentPath) (*getAttachmentOutput, error) {
	v, err := r.app.Queries.GetAttachment.Handle(ctx, query.GetAttachment{ActivityID: parseID(in.ID), ID: parseID(in.AttachmentID)})
	if err != nil {
		return nil, problem(err)
	}
	body := AttachmentWithDownload{Attachment: attachmentOf(v.Attachment)}
	if v.Download != nil {
		d := presignedOf(*v.Download)
		body.Download = &d
	}
	return &getAttachmentOutput{ETag: etag.Format(v.Version), Body: body}, nil
}

func (r *Routes) completeAttachment(ctx context.Context, in *attachmentPath) (*attachmentOutput, error) {
	v, err := r.app.Commands.CompleteAttachment.Handle(ctx, command.CompleteAttachment{
		ActivityID: parseID(in.ID), ID: parseID(in.AttachmentID),
	})
	if err != nil {
		return nil, problem(err)
	}
	return &attachmentOutput{ETag: etag.Format(v.Version), Body: attachmentOf(v)}, nil
}

func (r *Routes) deleteAttachment(ctx context.Context, in *deleteAttachmentInput) (*struct{}, error) {
	err := r.app.Commands.DeleteAttachment.Handle(ctx, command.DeleteAttachment{
		ActivityID: parseID(in.ID), ID: parseID(in.AttachmentID), IfMatch: in.IfMatch,
	})
	return nil, problem(err)
}

// attachmentProblem maps the attachments' and object storage's errors;
// ok is false for an error that is neither.
func attachmentProblem(err error) (error, bool) {
	var mismatch *attachment.UploadMismatchError
	switch {
	case errors.Is(err, attachment.ErrNotFound):
		return apperr.NotFound("attachment not found"), true
	case errors.Is(err, attachment.ErrVersionMismatch):
		return etag.Stale(), true
	case errors.Is(err, attachment.ErrUploadMissing):
		return apperr.Conflict("upload_missing", "nothing was uploaded for this attachment: PUT the file to upload.url first"), true
	case errors.As(err, &mismatch):
		e := apperr.Conflict("upload_mismatch", mismatch.Error())
		e.Details["declaredSize"], e.Details["storedSize"] = mismatch.Declared.Size, mismatch.Stored.Size
		e.Details["declaredContentType"], e.Details["storedContentType"] = mismatch.Declared.ContentType, mismatch.Stored.ContentType
		return e, true
	case errors.Is(err, blob.ErrNotConfigured):
		return apperr.Wrap(apperr.CodeUnavailable, "object storage is not configured on this service", err), true
	case errors.Is(err, blob.ErrUnavailable):
		return apperr.Unavailable(err), true
	}
	return nil, false
}
