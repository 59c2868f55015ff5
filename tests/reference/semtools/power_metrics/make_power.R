# Reference values for sem_csat.power.rmsea from semTools (findRMSEApower, findRMSEAsamplesize).
#
# Run from this folder:  Rscript make_power.R
# Writes rmsea_power.csv, rmsea_samplesize.csv and versions.json.  The grid covers the test of
# close fit (rmsea0 < rmsea1), the test of not-close fit (rmsea0 > rmsea1), exact fit
# (rmsea0 = 0), several df, alpha levels, sample sizes, target powers and numbers of groups.
suppressPackageStartupMessages(library(semTools))

pairs <- list(c(.05, .08), c(.05, .01), c(0, .05), c(.05, .10), c(.08, .05), c(.10, .06))
dfs <- c(1, 5, 10, 24, 50, 100, 300)
alphas <- c(.05, .01)

power_rows <- list()
for (pr in pairs) for (df in dfs) for (alpha in alphas) for (g in c(1, 2)) {
  for (n in c(50, 100, 200, 500, 1000)) {
    pw <- findRMSEApower(pr[1], pr[2], df, n, alpha = alpha, group = g)
    power_rows[[length(power_rows) + 1]] <- data.frame(
      df = df, rmsea0 = pr[1], rmsea1 = pr[2], alpha = alpha, groups = g, n = n,
      power = sprintf("%.15g", pw))
  }
}
write.csv(do.call(rbind, power_rows), "rmsea_power.csv", row.names = FALSE, quote = FALSE)

size_rows <- list()
for (pr in pairs) for (df in c(1, 5, 10, 24, 50, 100, 300)) for (alpha in alphas) {
  for (target in c(.8, .9)) for (g in c(1, 2)) {
    n <- findRMSEAsamplesize(pr[1], pr[2], df, power = target, alpha = alpha, group = g)
    size_rows[[length(size_rows) + 1]] <- data.frame(
      df = df, rmsea0 = pr[1], rmsea1 = pr[2], alpha = alpha, power = target, groups = g,
      n = as.character(n))
  }
}
write.csv(do.call(rbind, size_rows), "rmsea_samplesize.csv", row.names = FALSE, quote = FALSE)

writeLines(sprintf(
  '{"R": "%s", "semTools": "%s", "lavaan": "%s"}',
  paste(R.version$major, R.version$minor, sep = "."),
  as.character(packageVersion("semTools")), as.character(packageVersion("lavaan"))),
  "versions.json")
