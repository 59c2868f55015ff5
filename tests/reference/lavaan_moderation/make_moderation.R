# =============================================================================
# lavaan reference for interaction terms in covariance-based SEM (issue 15):
# the bank data's SAT x IMAG -> LOY moderation, built here in R independently
# of sem_csat, fitted by lavaan 0.6-14 with ML and MLR.
#
#   dmc        double-mean-centred product indicators (Lin et al. 2010) of
#              matched pairs sat_k x imag_k, k = 1..4 (Marsh, Wen & Hau 2004):
#              centre the items, multiply, centre the products.
#   composite  the centred product of the centred item means of SAT and IMAG,
#              a single indicator with residual variance fixed at 0.
#
# Run from the repository root:
#   Rscript tests/reference/lavaan_moderation/make_moderation.R
# Writes <case>_<estimator>/params.csv (parameterEstimates + std.all) and
# fit.csv (measure,value) beside this script, with the number format of
# ../lavaan/make_reference.R (fewest of 15/16/17 significant digits that read
# back as the same double).
# =============================================================================

suppressPackageStartupMessages(library(lavaan))

here <- "tests/reference/lavaan_moderation"
bank <- read.csv("sem_csat/datasets/bank_satisfaction.csv")

num <- function(x) {
  vapply(x, function(v) {
    if (is.na(v)) return("NA")
    for (d in 15:17) {
      s <- trimws(formatC(v, digits = d, format = "g"))
      if (as.numeric(s) == v) return(s)
    }
    trimws(formatC(v, digits = 17, format = "g"))
  }, character(1))
}

write_table <- function(df, path) {
  out <- df
  for (n in names(out)) {
    if (is.numeric(out[[n]])) out[[n]] <- num(out[[n]])
    else out[[n]] <- paste0('"', out[[n]], '"')
  }
  lines <- c(paste0('"', names(out), '"', collapse = ","),
             apply(out, 1, paste, collapse = ","))
  writeLines(lines, path)
}

centre <- function(x) x - mean(x)

dmc <- bank
for (k in 1:4) {
  name <- sprintf("sat%d_x_imag%d", k, k)
  dmc[[name]] <- centre(centre(bank[[sprintf("sat%d", k)]]) *
                        centre(bank[[sprintf("imag%d", k)]]))
}
comp <- bank
sat_mean <- rowMeans(bank[, sprintf("sat%d", 1:4)])
imag_mean <- rowMeans(bank[, sprintf("imag%d", 1:5)])
comp$SAT_x_IMAG_product <- centre(centre(sat_mean) * centre(imag_mean))

base <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
LOY ~ SAT + IMAG + SAT_x_IMAG
"
models <- list(
  dmc = paste(base, "SAT_x_IMAG =~ sat1_x_imag1 + sat2_x_imag2 + sat3_x_imag3 + sat4_x_imag4"),
  composite = paste(base, "SAT_x_IMAG =~ SAT_x_IMAG_product",
                    "SAT_x_IMAG_product ~~ 0*SAT_x_IMAG_product", sep = "\n")
)
data <- list(dmc = dmc, composite = comp)

for (case in names(models)) {
  for (estimator in c("ML", "MLR")) {
    fit <- sem(models[[case]], data = data[[case]], estimator = estimator)
    folder <- file.path(here, paste0(case, "_", tolower(estimator)))
    dir.create(folder, showWarnings = FALSE)
    pe <- parameterEstimates(fit, standardized = TRUE)
    write_table(pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
                file.path(folder, "params.csv"))
    fm <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))
    write_table(data.frame(measure = names(fm), value = as.numeric(fm)),
                file.path(folder, "fit.csv"))
  }
}
writeLines(c(
  "{",
  sprintf('  "R": "%s",', R.version.string),
  sprintf('  "lavaan": "%s"', as.character(packageVersion("lavaan"))),
  "}"
), file.path(here, "versions.json"))
