package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Sources of a document: what its documents.source says.
const (
	SourcePortal   = "portal"   // the client uploaded it through the portal
	SourcePractice = "practice" // the practice's own
	SourceInbox    = "inbox"    // it came in by email
)

// StaffDocument is one of a client's documents as the practice sees it
// (`/docs` in Slack).
type StaffDocument struct {
	ID       int64
	Period   *atlas.Period // nil: filed under no month
	ItemID   int64         // the pack's item it was sent for; 0 none
	Item     string        // that item's text
	Source   string        // SourcePortal, SourcePractice or SourceInbox
	FileName string
	Size     int64
	By       string // the contact or team member who sent it; "" not known
	At       time.Time
}

// ClientDocuments lists a client's documents, of one period or (nil) of
// all: the newest period first and those of no period last; within a
// period by the pack's item, in the checklist's order, those for no item
// after; then by source (the client's, the practice's, inbound mail);
// then the newest first.
func ClientDocuments(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64, period *atlas.Period) ([]StaffDocument, error) {
	var start *time.Time
	if period != nil {
		d := period.FirstDay()
		start = &d
	}
	rows, err := q.Query(ctx, `SELECT d.id, d.period, coalesce(ti.id, 0), coalesce(ti.text, ''), d.source, d.file_name, d.size,
			coalesce(c.name, m.name, ''), d.uploaded_at
		FROM documents d
		LEFT JOIN task_items ti ON ti.practice_id = d.practice_id AND ti.id = d.task_item_id
		LEFT JOIN client_contacts c ON c.practice_id = d.practice_id AND c.id = d.contact_id
		LEFT JOIN members m ON m.practice_id = d.practice_id AND m.id = d.member_id
		WHERE d.practice_id = $1 AND d.entity_id = $2 AND ($3::date IS NULL OR d.period = $3)
		ORDER BY d.period DESC NULLS LAST, ti.id IS NULL, ti.stage, ti.position, ti.id,
			CASE d.source WHEN 'portal' THEN 0 WHEN 'practice' THEN 1 ELSE 2 END, d.uploaded_at DESC, d.id DESC`,
		pid, entityID, start)
	if err != nil {
		return nil, fmt.Errorf("portal: read a client's documents: %w", err)
	}
	var out []StaffDocument
	var d StaffDocument
	var p *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&d.ID, &p, &d.ItemID, &d.Item, &d.Source, &d.FileName, &d.Size, &d.By, &d.At}, func() error {
		doc := d
		if p != nil {
			pp := atlas.PeriodOf(*p)
			doc.Period = &pp
		}
		out = append(out, doc)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("portal: read a client's documents: %w", err)
	}
	return out, nil
}

// HumanBytes is a file's size for people: "812 bytes", "12.5 KB", "3 MB".
func HumanBytes(n int64) string { return humanBytes(n) }

// staffDownload sends the document a DownloadURL names, to the practice's
// own people, who come from Slack with no portal session: the signed token
// is the permission. A token altered, expired or signed with another
// secret is refused (403), one naming a document that is not there (any
// more) is not found (404). The file always downloads (attachment), under
// the name it was stored with.
func (h *Handler) staffDownload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := h.deps.Signer.DownloadDocument(chi.URLParam(r, "token"), h.deps.Clock.Now())
	if err != nil {
		h.page(w, r, http.StatusForbidden, "message", messagePage{Title: "This link does not work",
			Text: "Download links from Slack work for " + strconv.Itoa(int(StaffLinkLife.Minutes())) +
				" minutes. Ask Atlas again (/docs) for a new one."})
		return
	}
	var name, ct, key string
	err = h.deps.DB.QueryRow(ctx, `SELECT file_name, content_type, storage_key FROM documents WHERE id = $1`, id).Scan(&name, &ct, &key)
	if errors.Is(err, pgx.ErrNoRows) {
		h.staffNotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.deps.Blobs.Get(ctx, h.deps.DB, key)
	if errors.Is(err, ErrNoBlob) {
		h.staffNotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("Content-Disposition", mimeDisposition("attachment", name))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = w.Write(data)
}

// staffNotFound is a document removed since its link was made.
func (h *Handler) staffNotFound(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "message", messagePage{Title: "Not found",
		Text: "This document is no longer kept. It may have been removed since the link was made."})
}
