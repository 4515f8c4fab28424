package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/internal/practice"
)

var servicesFormat = format{
	columns:  []string{"code", "name", "covered_by_retainer", "vat_treatment", "billable"},
	required: []string{"code", "name"},
	// Xero's items export calls the VAT column SalesTaxRate.
	aliases: map[string]string{
		"vat": "vat_treatment", "vat_rate": "vat_treatment", "tax_rate": "vat_treatment", "salestaxrate": "vat_treatment",
		"sales_tax_rate": "vat_treatment", "vat_code": "vat_treatment",
		"chargeable": "billable", "is_billable": "billable",
	},
}

// serviceFields maps the service form's fields to this file's columns.
var serviceFields = map[string]string{
	practice.FieldServiceCode: "code",
	practice.FieldServiceName: "name",
	practice.FieldServiceVAT:  "vat_treatment",
}

// importServices saves each row with the store's SaveService, which checks
// it as `/atlas services add` does. A practice has tens of services, so a
// round trip per row costs nothing worth batching.
func importServices(ctx context.Context, r *run, t *table) error {
	existing, err := services(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	// A percentage in vat_treatment is read against the practice's rates.
	p, err := r.store.Get(ctx, r.pid())
	if err != nil {
		return err
	}
	seen := map[string]int{} // code → the line that imported it
	for _, row := range t.rows {
		code := strings.ToUpper(row.get("code"))
		if first, dup := seen[code]; dup {
			r.invalid(row.line, "code", fmt.Sprintf("The service %s is already on line %d of this file. Each service appears once.", code, first))
			continue
		}
		old, existed := existing[code]
		// A file without the column leaves the flag as it is.
		covered := old.covered
		if t.has["covered_by_retainer"] {
			var ok bool
			if covered, ok = parseBool(row.get("covered_by_retainer")); !ok {
				r.invalid(row.line, "covered_by_retainer", fmt.Sprintf("%q is not yes or no. Write true or false, yes or no, 1 or 0; empty means no.", row.get("covered_by_retainer")))
				continue
			}
		}
		in := practice.ServiceInput{Code: code, Name: row.get("name"), CoveredByRetainer: covered}
		// Without the columns, the treatment and the flag stay as they are.
		if t.has["vat_treatment"] {
			if in.VATTreatment, err = practice.ParseVATTreatment(row.get("vat_treatment"), p.VATRate, p.ReducedVATRate); err != nil {
				if err := r.reject(row.line, serviceFields, err); err != nil {
					return err
				}
				continue
			}
		}
		if t.has["billable"] {
			cell := row.get("billable")
			billable, ok := parseBool(cell)
			if cell == "" {
				billable = true // as for a time file's billable: empty means yes
			}
			if !ok {
				r.invalid(row.line, "billable", fmt.Sprintf("%q is not yes or no. Write true or false, yes or no, 1 or 0; empty means yes (billable).", cell))
				continue
			}
			in.Billable = &billable
		}
		if _, err := r.store.PutService(ctx, r.pid(), r.o.Actor, in); err != nil {
			if err := r.reject(row.line, serviceFields, err); err != nil {
				return err
			}
			continue
		}
		seen[code] = row.line
		r.count(existed)
	}
	return nil
}

// parseBool reads a yes/no cell; empty is no.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0", "":
		return false, true
	}
	return false, false
}
