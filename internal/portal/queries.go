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
	"github.com/atlas-practice/atlas/internal/queries"
)

// queryRow is a question from the practice on the period's page.
type queryRow struct {
	ID         int64
	Text       string
	AskedOn    string
	Open       bool
	Answer     string
	AnsweredOn string
	AnsweredBy string
	Files      []queries.File
	Closed     bool // closed by the practice, or the pack delivered without it
}

// packRow is a file of the delivered management accounts.
type packRow struct {
	ID          int64
	Name        string
	Size        int64
	DeliveredOn string
}

// loadQueries reads the period's questions and its delivered files.
func loadQueries(ctx context.Context, q db.DB, s session, p atlas.Period, pg *homePage) error {
	qs, err := queries.ForPeriod(ctx, q, s.Practice, s.EntityID, p)
	if err != nil {
		return err
	}
	var completed bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tasks WHERE practice_id = $1 AND entity_id = $2 AND period = $3 AND completed_at IS NOT NULL)`,
		s.Practice, s.EntityID, p.FirstDay()).Scan(&completed); err != nil {
		return fmt.Errorf("portal: read the pack: %w", err)
	}
	for _, x := range qs {
		row := queryRow{ID: x.ID, Text: x.Text, AskedOn: x.AskedAt.In(s.loc).Format("2 January 2006"), Open: x.Open() && !completed,
			Answer: x.Answer, AnsweredBy: x.AnsweredBy, Files: x.Files}
		if x.AnsweredAt != nil {
			row.AnsweredOn = x.AnsweredAt.In(s.loc).Format("2 January 2006")
		}
		row.Closed = !row.Open && x.AnsweredAt == nil
		pg.Queries = append(pg.Queries, row)
		if row.Open {
			pg.OpenQueries++
		}
	}
	rows, err := q.Query(ctx, `SELECT d.id, d.file_name, d.size, pd.delivered_at
		FROM documents d JOIN pack_deliveries pd ON pd.practice_id = d.practice_id AND pd.id = d.delivery_id
		WHERE d.practice_id = $1 AND d.entity_id = $2 AND d.period = $3
		ORDER BY d.id`, s.Practice, s.EntityID, p.FirstDay())
	if err != nil {
		return fmt.Errorf("portal: read the management accounts: %w", err)
	}
	var r packRow
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Name, &r.Size, &at}, func() error {
		r.DeliveredOn = at.In(s.loc).Format("2 January 2006")
		pg.Pack = append(pg.Pack, r)
		return nil
	}); err != nil {
		return fmt.Errorf("portal: read the management accounts: %w", err)
	}
	return nil
}

// answer takes a contact's answer to a query: the CSRF field first, then
// the answer in words and any files, read as an item's upload is (the
// same size caps, kinds and quota). The files become documents of the
// pack; the answer is recorded and the preparer told, all in one
// transaction.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	target, err := queries.Find(ctx, h.deps.DB, s.Practice, s.EntityID, id)
	if errors.Is(err, queries.ErrNoQuery) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	period := atlas.PeriodOf(target.Period).String()
	back := "/portal/" + period + "#query-" + itoa(id)
	if !target.Open {
		h.page(w, r, http.StatusConflict, "message", messagePage{Practice: s.PracticeName, Title: "Already answered",
			Text: "This question has been answered or closed already. Thank you.", Back: back})
		return
	}
	mr, ok := h.openMultipart(w, r, s, back)
	if !ok {
		return
	}
	err = db.InTx(ctx, h.deps.DB, func(tx pgx.Tx) error {
		var text string
		docs, err := h.storeFiles(ctx, tx, s, fileDest{TaskID: target.TaskID, Period: target.Period}, mr, map[string]*string{"answer": &text})
		if err != nil {
			return err
		}
		err = queries.Answer(ctx, tx, s.Practice, s.ID, s.EntityID, id, text, docs, h.deps.Clock.Now())
		if atlas.ErrorCode(err) == atlas.EInvalid || atlas.ErrorCode(err) == atlas.EConflict {
			return &uploadError{http.StatusBadRequest, "Nothing was sent", atlas.ErrorMessage(err)}
		}
		return err
	})
	if h.uploadRefused(w, r, s, err, back) {
		return
	}
	http.Redirect(w, r, "/portal/"+period+"?answered=1#query-"+itoa(id), http.StatusSeeOther)
}
