# Internals of lavaan's missing-data-corrected robust CFI/TLI/RMSEA (Zhang & Savalei 2023) for
# the HS CFA on hs1939_missing.csv: lavaan:::lav_fit_fiml_corrected(), versions V3 (MLR) and V6
# (ML), as lavaan 0.6-14 computes them inside fitMeasures().  Run from the repository root:
#   Rscript tests/reference/lavaan/make_fiml_corrected.R
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("tests/reference/lavaan/hs1939_missing.csv")
m <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
rows <- list()
for (case in c("hs_fiml", "hs_fiml_mlr")) {
  est <- if (case == "hs_fiml") "ML" else "MLR"
  fit <- cfa(m, data = d, missing = "fiml", estimator = est)
  version <- if (case == "hs_fiml") "V6" else "V3"
  r <- lavaan:::lav_fit_fiml_corrected(fit, version = version)
  out <- data.frame(quantity = names(r), value = as.numeric(unlist(r)))
  options(digits = 17)
  write.csv(out, file.path("tests/reference/lavaan", case, "fiml_corrected.csv"),
            row.names = FALSE)
}
