// Package ui is what several features of the Slack face draw alike: the
// action ids one feature draws and another handles, a task's status as a
// colour and words, time entries and timers as one line, money and hours
// as people write them; fetching a file from Slack within a cap
// (FetchFile), for the features that keep files shared there; and a
// report sent by DM with its chart and CSV and paged (Report), whose page
// buttons and renderers it registers for the feature that reads and draws
// the report. It imports no feature.
package ui
