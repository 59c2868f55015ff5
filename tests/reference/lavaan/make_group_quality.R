#!/usr/bin/env Rscript
# =============================================================================
# semTools 0.5-6 reference for the measurement-quality report of a multi-group
# FIML fit: compRelSEM() (omega, defaults) and AVE() per group of the HS CFA by
# school on hs1939_missing.csv (the data of mg_hs_fiml/), configural, ML and
# MLR with missing = "fiml".  semTools reads the EM estimate of the saturated
# moments (lavaan's h1) from a FIML fit.
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_group_quality.R
#
# Writes mg_hs_fiml/semtools_rel_<estimator>.csv (group, factor, omega, ave).
# Deterministic: a rerun reproduces every file byte for byte.
# =============================================================================
suppressMessages({
  library(lavaan)
  library(semTools)
})
script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/lavaan"
})
d <- read.csv(file.path(script_dir, "hs1939_missing.csv"))
model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
for (est in c("ml", "mlr")) {
  fit <- cfa(model, d, group = "school", missing = "fiml", estimator = toupper(est))
  omega <- compRelSEM(fit)
  ave <- AVE(fit)
  rows <- list()
  for (g in seq_len(nrow(omega))) {
    for (f in c("visual", "textual", "speed")) {
      rows[[length(rows) + 1]] <- data.frame(
        group = omega$group[g], factor = f,
        omega = sprintf("%.10g", omega[g, f]), ave = sprintf("%.10g", ave[g, f])
      )
    }
  }
  out <- do.call(rbind, rows)
  write.csv(out, file.path(script_dir, "mg_hs_fiml", paste0("semtools_rel_", est, ".csv")),
            row.names = FALSE, quote = FALSE)
}
