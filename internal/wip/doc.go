// Package wip says what work is done and not yet billed (BILLING.md, WIP
// and realisation): the unbilled billable time of a practice valued at the
// rates in force on its work dates, by client, by person or by the month
// it was worked, for the whole practice or one client or person, aged by
// days since the work date (0–30, 31–60, 61–90, over 90).
//
// The figures, and why each is counted as it is:
//
//   - WIP is every entry whose billing state is unbilled: billable time not
//     yet on an approved invoice. Time on a draft is still WIP (a draft can
//     be deleted and its time go back; the part on drafts is shown apart),
//     and time a credit note returned to
//     work in progress is WIP again. A fixed-fee client's time its retainer
//     covers is WIP until the retainer's invoice absorbs it on approval.
//   - An entry's value is the one recorded on it, kept at the rate in force
//     on its work date by revaluation when rates change; time with no rate
//     in force has no value, and its minutes are counted apart so the
//     hours are never silently short.
//   - For any client, the value recorded on its billable time equals WIP +
//     the value billed + the value written off (a fixture test holds it).
//
// Every report is one query over the partial index of unbilled entries,
// which carries the columns a report reads (migration 00020), so it reads
// only the index: no summary table to keep exact under logging, editing,
// revaluation, billing, voiding and crediting, and nothing for approval to
// maintain.
//
// Money is decimal throughout; the chart's float64 series are converted
// from these decimals at the edge (internal/charts).
package wip
