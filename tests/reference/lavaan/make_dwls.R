# DWLS reference for sem_csat: ECSI ordinal subset, lavaan defaults for estimator="DWLS".
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("sem_csat/datasets/ecsi_mobile.csv")
m <- "
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
"
items <- c("CUEX1","CUEX2","CUEX3","PERV1","PERV2","CUSA1","CUSA2","CUSA3","CUSL1","CUSL2","CUSL3")
fit <- cfa(m, data=d, ordered=items, estimator="DWLS")
pe <- parameterEstimates(fit, standardized=TRUE)
options(digits=17)
write.csv(pe[, c("lhs","op","rhs","est","se","z","pvalue","std.all")], "tests/reference/lavaan/ecsi_dwls/params.csv", row.names=FALSE)
fm <- fitMeasures(fit)
write.csv(data.frame(measure=names(fm), value=as.numeric(fm)), "tests/reference/lavaan/ecsi_dwls/fit.csv", row.names=FALSE)
cat(lavInspect(fit, "options")$se, lavInspect(fit, "options")$test, lavInspect(fit, "options")$information, "\n")
