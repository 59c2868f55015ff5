#!/usr/bin/env Rscript
# =============================================================================
# semTools 0.5-6 reference values for RMSEA-based power and sample size
# (MacCallum, Browne & Sugawara 1996), issue 16.
#
# Run from the repository root:
#
#     Rscript tests/reference/semtools/make_power.R
#
# Needs R with lavaan and semTools only.  Writes tests/reference/semtools/power/
# (see README.md there).  No randomness; a rerun reproduces the files byte for
# byte.
# =============================================================================

script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/semtools"
})
source(file.path(script_dir, "..", "lavaan", "ref_common.R"))
OUT <- file.path(script_dir, "power")
dir.create(OUT, showWarnings = FALSE)

DFS <- c(1, 2, 5, 10, 20, 40, 100, 250)
# (rmsea0, rmseaA): test of not-close fit, of close fit, of exact fit; the
# fourth pair (a very poor alternative) only serves the edge rows below.
PAIRS <- data.frame(
  hypothesis = c("not_close", "close", "exact", "not_close_wide"),
  rmsea0 = c(0.05, 0.05, 0, 0.05),
  rmseaA = c(0.08, 0.01, 0.05, 0.30),
  stringsAsFactors = FALSE)
MAIN_PAIRS <- 1:3
ALPHAS <- c(0.05, 0.01)
POWERS <- c(0.8, 0.9)
NS <- c(100, 200, 500)

all_warnings <- character(0)
call_st <- function(label, expr) {
  r <- with_warnings(expr)
  if (length(r$warnings)) all_warnings <<- c(all_warnings, paste0("[", label, "] ", r$warnings))
  r$value
}

# --- findRMSEAsamplesize -----------------------------------------------------
# semTools returns the smallest n in 5, 6, ... (searched in blocks of 496)
# whose power is strictly greater than `power`, divided by `group`; or the
# string "Sample Size <= 5" when n = 5 already has that power.  `n` is written
# as NA in that case and `result` keeps semTools' value as text.  The power at
# n and at n - 1 (findRMSEApower) are written beside it.
rows <- list()
grid <- expand.grid(df = DFS, pair = MAIN_PAIRS, power = POWERS, alpha = ALPHAS, group = 1)
# Edge rows: two groups (semTools divides the total n by `group`, so n can be
# fractional), and alternatives so far from H0 that n = 5 already suffices.
grid <- rbind(grid,
  expand.grid(df = c(10, 40), pair = 1, power = 0.8, alpha = 0.05, group = 2),
  expand.grid(df = c(20, 100, 250), pair = 4, power = 0.8, alpha = 0.05, group = 1))
for (i in seq_len(nrow(grid))) {
  g <- grid[i, ]
  p <- PAIRS[g$pair, ]
  v <- call_st(sprintf("samplesize %d", i),
               findRMSEAsamplesize(rmsea0 = p$rmsea0, rmseaA = p$rmseaA, df = g$df,
                                   power = g$power, alpha = g$alpha, group = g$group))
  n <- if (is.numeric(v)) v else NA_real_
  pow_at <- function(nn) if (is.na(nn)) NA_real_ else
    findRMSEApower(p$rmsea0, p$rmseaA, g$df, nn * g$group, g$alpha, group = g$group)
  rows[[i]] <- data.frame(
    hypothesis = p$hypothesis, df = g$df, rmsea0 = p$rmsea0, rmseaA = p$rmseaA,
    power = g$power, alpha = g$alpha, group = g$group, n = n,
    result = as.character(v),
    power_at_n = pow_at(n), power_at_n_minus_1 = pow_at(if (is.na(n)) NA else n - 1),
    stringsAsFactors = FALSE)
}
write_csv17(do.call(rbind, rows), file.path(OUT, "findRMSEAsamplesize.csv"))

# --- findRMSEApower ----------------------------------------------------------
rows <- list()
grid <- expand.grid(df = DFS, pair = MAIN_PAIRS, n = NS, alpha = ALPHAS, group = 1)
grid <- rbind(grid, expand.grid(df = c(10, 40), pair = 1, n = 200, alpha = 0.05, group = 2))
for (i in seq_len(nrow(grid))) {
  g <- grid[i, ]
  p <- PAIRS[g$pair, ]
  v <- call_st(sprintf("power %d", i),
               findRMSEApower(rmsea0 = p$rmsea0, rmseaA = p$rmseaA, df = g$df, n = g$n,
                              alpha = g$alpha, group = g$group))
  rows[[i]] <- data.frame(
    hypothesis = p$hypothesis, df = g$df, rmsea0 = p$rmsea0, rmseaA = p$rmseaA,
    alpha = g$alpha, group = g$group, n = g$n, power = v, stringsAsFactors = FALSE)
}
write_csv17(do.call(rbind, rows), file.path(OUT, "findRMSEApower.csv"))

# --- nested models: findRMSEApowernested / findRMSEAsamplesizenested ---------
# Model A (more restricted, dfA) against model B (dfB): under H0 the RMSEAs
# are rmsea0A, rmsea0B, under H1 rmsea1A, rmsea1B.
NESTED <- data.frame(
  rmsea0A = c(0, 0.06, 0.05, 0.05),
  rmsea0B = c(0, 0.05, 0.05, 0.04),
  rmsea1A = c(0.06, 0.08, 0.07, 0.08),
  rmsea1B = c(0.05, 0.05, 0.05, 0.05),
  dfA = c(22, 22, 60, 103),
  dfB = c(20, 20, 54, 100))
rows <- list()
k <- 0
for (i in seq_len(nrow(NESTED))) for (n in NS) for (alpha in ALPHAS) {
  s <- NESTED[i, ]
  k <- k + 1
  v <- call_st(sprintf("powernested %d", k),
               findRMSEApowernested(rmsea0A = s$rmsea0A, rmsea0B = s$rmsea0B,
                                    rmsea1A = s$rmsea1A, rmsea1B = s$rmsea1B,
                                    dfA = s$dfA, dfB = s$dfB, n = n, alpha = alpha))
  rows[[k]] <- cbind(s, n = n, alpha = alpha, power = v)
}
write_csv17(do.call(rbind, rows), file.path(OUT, "findRMSEApowernested.csv"))

rows <- list()
k <- 0
for (i in seq_len(nrow(NESTED))) for (power in POWERS) for (alpha in ALPHAS) {
  s <- NESTED[i, ]
  k <- k + 1
  v <- call_st(sprintf("samplesizenested %d", k),
               findRMSEAsamplesizenested(rmsea0A = s$rmsea0A, rmsea0B = s$rmsea0B,
                                         rmsea1A = s$rmsea1A, rmsea1B = s$rmsea1B,
                                         dfA = s$dfA, dfB = s$dfB, power = power,
                                         alpha = alpha))
  rows[[k]] <- cbind(s, power = power, alpha = alpha,
                     n = if (is.numeric(v)) v else NA_real_,
                     result = as.character(v), stringsAsFactors = FALSE)
}
write_csv17(do.call(rbind, rows), file.path(OUT, "findRMSEAsamplesizenested.csv"))

write_warnings(all_warnings, file.path(OUT, "warnings.txt"))
write_json(list(versions = VERSIONS,
                functions = c("findRMSEAsamplesize", "findRMSEApower",
                              "findRMSEApowernested", "findRMSEAsamplesizenested"),
                warnings = as.list(all_warnings)),
           file.path(OUT, "info.json"))
cat("done:", OUT, "\n")
