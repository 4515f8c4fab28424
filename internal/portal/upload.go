package portal

import (
	"github.com/atlas-practice/atlas/internal/workflow"

	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// RenderReceived names the renderer (bot/portal) of the direct message
// that tells a pack's preparer a client sent a document: its subject is
// ("document", id, "received").
const RenderReceived = "portal.received"

// uploadTimeout is how long one upload request may take to arrive.
const uploadTimeout = 15 * time.Minute

// requested is a requested item of the signed-in client, as an upload
// needs it.
type requested struct {
	ID            int64
	TaskID        int64
	Period        time.Time
	PreparerSlack string
}

// findItem is the item id of the contact's client that asks the client for
// something; any other id is not found.
func findItem(ctx context.Context, q db.DB, c Contact, id int64) (requested, error) {
	var it requested
	err := q.QueryRow(ctx, `SELECT ti.id, t.id, t.period, coalesce(m.slack_user_id, '')
		FROM task_items ti
		JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
		LEFT JOIN members m ON m.practice_id = t.practice_id AND m.id = t.preparer_id
		WHERE ti.practice_id = $1 AND ti.id = $2 AND t.entity_id = $3 AND ti.client_request IS NOT NULL`,
		c.Practice, id, c.EntityID).Scan(&it.ID, &it.TaskID, &it.Period, &it.PreparerSlack)
	return it, err
}

// uploadError is an upload refused, with its status and what to tell the
// client.
type uploadError struct {
	status int
	title  string
	text   string
}

func (e *uploadError) Error() string { return e.text }

// upload takes the files of one requested item: the CSRF field first, then
// each file, read up to the size cap while it streams in. All the files
// are stored, the item ticked and the preparer told in one transaction;
// a refused file stores nothing.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	it, err := findItem(ctx, h.deps.DB, s.Contact, id)
	if errors.Is(err, pgx.ErrNoRows) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	period := atlas.PeriodOf(it.Period).String()
	back := "/portal/" + period + "#item-" + itoa(it.ID)
	mr, ok := h.openMultipart(w, r, s, back)
	if !ok {
		return
	}

	var sent int
	err = db.InTx(ctx, h.deps.DB, func(tx pgx.Tx) error {
		n, err := h.store(ctx, tx, s, it, mr)
		sent = n
		return err
	})
	if h.uploadRefused(w, r, s, err, back) {
		return
	}
	http.Redirect(w, r, "/portal/"+period+"?sent="+strconv.Itoa(sent)+"#item-"+itoa(it.ID), http.StatusSeeOther)
}

// uploadRefused answers a failed upload (a refused file with its page,
// anything else with a 500) and reports whether it failed.
func (h *Handler) uploadRefused(w http.ResponseWriter, r *http.Request, s session, err error, back string) bool {
	var ue *uploadError
	switch {
	case errors.As(err, &ue):
		if ue.status == http.StatusRequestEntityTooLarge {
			w.Header().Set("Connection", "close")
		}
		h.page(w, r, ue.status, "message", messagePage{Practice: s.PracticeName, Title: ue.title, Text: ue.text, Back: back})
		return true
	case err != nil:
		h.fail(w, r, err)
		return true
	}
	return false
}

// openMultipart starts reading a multipart form posted to the portal: it
// lifts the deadlines for a slow upload, caps the body, and checks the
// CSRF field, which the form puts first, before any file is read. ok is
// false when it has answered the request.
func (h *Handler) openMultipart(w http.ResponseWriter, r *http.Request, s session, back string) (*multipart.Reader, bool) {
	// A phone's upload of several large files outlasts the server's
	// read timeout, which suits every other request.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout + time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, maxFilesPerUpload*(h.deps.MaxFileBytes+64<<10)+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		h.page(w, r, http.StatusBadRequest, "message", messagePage{Practice: s.PracticeName, Title: "Nothing was sent",
			Text: "Choose one or more files, then press Send.", Back: back})
		return nil, false
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != csrfField {
		h.csrfRefused(w, r, s)
		return nil, false
	}
	tok, _ := io.ReadAll(io.LimitReader(part, 256))
	if !h.csrfEqual(string(tok), s.token) {
		h.csrfRefused(w, r, s)
		return nil, false
	}
	return mr, true
}

// store reads each file part of mr and keeps it, in tx.
func (h *Handler) store(ctx context.Context, tx pgx.Tx, s session, it requested, mr *multipart.Reader) (int, error) {
	now := h.deps.Clock.Now()
	docs, err := h.storeFiles(ctx, tx, s, fileDest{TaskID: it.TaskID, Period: it.Period, ItemID: it.ID}, mr, nil)
	if err != nil {
		return 0, err
	}
	if len(docs) == 0 {
		return 0, &uploadError{http.StatusBadRequest, "Nothing was sent", "Choose one or more files, then press Send."}
	}
	// An item ticked already (by an earlier upload, or by the practice)
	// keeps who ticked it; its new files are still kept.
	tag, err := tx.Exec(ctx, `UPDATE task_items SET done_at = $3, received_at = $3, received_by = $4
		WHERE practice_id = $1 AND id = $2 AND done_at IS NULL`, s.Practice, it.ID, now, s.ID)
	if err != nil {
		return 0, fmt.Errorf("portal: tick the item: %w", err)
	}
	if tag.RowsAffected() > 0 {
		// The pack's kept progress (counts, stage) moves with the tick.
		if err := workflow.RefreshProgress(ctx, tx, s.Practice, []int64{it.TaskID}, now); err != nil {
			return 0, err
		}
	}
	if it.PreparerSlack != "" {
		for _, d := range docs {
			if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(s.Practice), Channel: it.PreparerSlack, Render: RenderReceived,
				Subject: outbox.Subject{Type: "document", ID: d, Purpose: "received"}}); err != nil {
				return 0, err
			}
		}
	}
	return len(docs), nil
}

// fileDest is where uploaded files go: a pack, and the item they answer
// (0 for none, such as a query's answer).
type fileDest struct {
	TaskID int64
	Period time.Time
	ItemID int64
}

// maxTextField is the most bytes a text field of an upload form is read
// to.
const maxTextField = 32 << 10

// storeFiles reads the parts of mr and keeps each file part as a document
// of dest's pack, in tx, with the client's quota held (one upload at a
// time per client). A text part named in fields is read into it (up to
// maxTextField bytes); other parts are skipped. It returns the documents
// stored, none when no file was chosen.
func (h *Handler) storeFiles(ctx context.Context, tx pgx.Tx, s session, dest fileDest, mr *multipart.Reader, fields map[string]*string) ([]int64, error) {
	now := h.deps.Clock.Now()
	limit := h.deps.MaxFileBytes
	// One upload at a time per client, so two cannot both fit the quota.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7041))`,
		fmt.Sprintf("portal-quota:%s:%d", s.Practice, s.EntityID)); err != nil {
		return nil, err
	}
	var used, quota int64
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT sum(size) FROM documents WHERE practice_id = $1 AND entity_id = $2), 0)::bigint,
		p.upload_quota_bytes FROM practices p WHERE p.id = $1`, s.Practice, s.EntityID).Scan(&used, &quota); err != nil {
		return nil, fmt.Errorf("portal: read the quota: %w", err)
	}
	var docs []int64
	var buf bytes.Buffer
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, tooLargeOr(err, &uploadError{http.StatusBadRequest, "Nothing was sent", "The upload was cut short. Please try again."}, limit)
		}
		if f, ok := fields[part.FormName()]; ok && part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, maxTextField))
			if err != nil {
				return nil, tooLargeOr(err, &uploadError{http.StatusBadRequest, "Nothing was sent", "The upload was cut short. Please try again."}, limit)
			}
			*f = string(v)
			continue
		}
		if part.FormName() != "files" || part.FileName() == "" {
			continue // an empty file input sends a part with no name
		}
		if len(docs) == maxFilesPerUpload {
			return nil, &uploadError{http.StatusRequestEntityTooLarge, "Too many files",
				fmt.Sprintf("Send at most %d files at a time. Nothing was kept: please send them again in smaller groups.", maxFilesPerUpload)}
		}
		name := CleanName(part.FileName())
		buf.Reset()
		n, err := buf.ReadFrom(io.LimitReader(part, limit+1))
		if err != nil {
			return nil, tooLargeOr(err, &uploadError{http.StatusBadRequest, "Nothing was sent", "The upload was cut short. Please try again."}, limit)
		}
		if n > limit {
			return nil, tooLarge(name, limit)
		}
		if n == 0 {
			return nil, &uploadError{http.StatusBadRequest, "Empty file", name + " is empty. Nothing was kept: choose the file again and send it."}
		}
		data := buf.Bytes()
		ct, ok := sniffType(name, data)
		if !ok {
			return nil, &uploadError{http.StatusUnsupportedMediaType, "This kind of file cannot be sent",
				name + " is not a kind of file we can take. Send " + AllowedKinds() + " files. Nothing was kept."}
		}
		if used+n > quota {
			return nil, &uploadError{http.StatusRequestEntityTooLarge, "No room left",
				"Your files have used all the space we keep for you (" + humanBytes(quota) + "). Nothing was kept: please ask us to make room."}
		}
		used += n
		key := newStorageKey()
		if err := h.deps.Blobs.Put(ctx, tx, key, data); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		var docID int64
		if err := tx.QueryRow(ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id,
				file_name, content_type, size, sha256, storage_key, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, 'portal', $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			s.Practice, s.EntityID, dest.Period, dest.TaskID, nullID(dest.ItemID), s.ID, name, ct, n, sum[:], key, now).Scan(&docID); err != nil {
			return nil, fmt.Errorf("portal: record a document: %w", err)
		}
		docs = append(docs, docID)
	}
	return docs, nil
}

// nullID is id, or NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func tooLarge(name string, limit int64) *uploadError {
	return &uploadError{http.StatusRequestEntityTooLarge, "File too large",
		name + " is larger than " + humanBytes(limit) + ", the most we take in one file. Nothing was kept: send a smaller copy, or split it."}
}

// tooLargeOr is the error of a failed read: the request's size cap, or
// otherwise.
func tooLargeOr(err error, otherwise *uploadError, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge("The upload", limit)
	}
	return otherwise
}
