package practice

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Service is a kind of work the practice does: bookkeeping, payroll, VAT
// returns, advisory…
type Service struct {
	ID                int64
	Code              string
	Name              string
	CoveredByRetainer bool // a fixed fee covers it unless the client says otherwise
	Active            bool
}

// Field names of the service form.
const (
	FieldServiceCode = "service_code"
	FieldServiceName = "service_name"
)

// SaveService creates a service, or updates the one with the same code.
func (s Store) SaveService(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, code, name string, covered bool) (Service, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	name = strings.TrimSpace(name)
	if !codePattern.MatchString(code) {
		return Service{}, atlas.FieldError(FieldServiceCode, "%q is not a service code. Use 1 to 20 letters, digits, - or _, such as PAYROLL.", code)
	}
	if name == "" || len(name) > 100 {
		return Service{}, atlas.FieldError(FieldServiceName, "Give the service a name (up to 100 characters), such as Payroll.")
	}
	var sv Service
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			WITH upd AS (
				UPDATE services SET name = $3, covered_by_retainer = $4, active = true, updated_at = now()
				WHERE practice_id = $1 AND lower(code) = lower($2) RETURNING id, code, name, covered_by_retainer, active
			), ins AS (
				INSERT INTO services (practice_id, code, name, covered_by_retainer)
				SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM upd)
				RETURNING id, code, name, covered_by_retainer, active
			)
			SELECT * FROM upd UNION ALL SELECT * FROM ins`, pid, code, name, covered).
			Scan(&sv.ID, &sv.Code, &sv.Name, &sv.CoveredByRetainer, &sv.Active)
		if err != nil {
			return db.MapError(err, "")
		}
		return Audit(ctx, tx, pid, actor, "service.save", "service", sv.ID, map[string]any{"code": code, "name": name, "covered": covered})
	})
	return sv, err
}

// Services lists the active services by name.
func (s Store) Services(ctx context.Context, pid atlas.PracticeID) ([]Service, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, covered_by_retainer, active FROM services
		WHERE practice_id = $1 AND active ORDER BY lower(name), id`, pid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Service])
}

// LookupService finds an active service by code or (case-insensitive) name.
func (s Store) LookupService(ctx context.Context, pid atlas.PracticeID, text string) (Service, error) {
	var sv Service
	err := s.DB.QueryRow(ctx, `SELECT id, code, name, covered_by_retainer, active FROM services
		WHERE practice_id = $1 AND active AND (lower(code) = lower($2) OR lower(name) = lower($2))
		ORDER BY lower(code) = lower($2) DESC LIMIT 1`, pid, strings.TrimSpace(text)).
		Scan(&sv.ID, &sv.Code, &sv.Name, &sv.CoveredByRetainer, &sv.Active)
	if err != nil {
		return sv, db.MapError(err, "No service called \""+strings.TrimSpace(text)+"\". `/atlas services` lists them.")
	}
	return sv, nil
}

// SetDefaultService makes a service the one time goes to when a /log line
// names none (nil for none, and then Atlas asks).
func (s Store) SetDefaultService(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id *int64) (Practice, error) {
	var p Practice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		p, err = scanPractice(tx.QueryRow(ctx, `UPDATE practices SET default_service_id = $2, updated_at = now()
			WHERE id = $1 RETURNING `+practiceColumns, pid, id))
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		return Audit(ctx, tx, pid, actor, "practice.default_service", "practice", 0, map[string]any{"service": id})
	})
	return p, err
}
