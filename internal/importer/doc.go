// Package importer loads a practice's existing books from CSV files: its
// services, team, clients, rate card and past time, so a firm moving to
// Atlas does not retype hundreds of clients into Slack forms, and its
// history arrives with it.
//
// Each file is read against a header (any column order, names
// case-insensitive) and every row is checked by the same validation the
// Slack forms use, so an import can never store what a form would refuse.
// Files are taken as practice software exports them: a byte order mark and
// CRLF line ends are read, columns the format does not know are reported
// and ignored, entity types may be written as labels ("Sole Trader"), and
// people may be given by email, found in the team or in Slack.
//
// Rows are upserts keyed by a natural key — a code, a Slack user id, a rate's
// combination and start date — so importing a file twice changes nothing.
// Time is never updated: each row's key is made from its content and its
// occurrence in the file, and a row already imported is counted, not
// written again.
//
// A file is all or nothing: one transaction writes every row, and a file
// with any invalid row writes none unless the caller asks to skip invalid
// rows. A dry run does the whole import inside that transaction and rolls it
// back, so what it reports is exactly what a real run would do.
package importer
