#!/usr/bin/env Rscript
# Mixed-model analysis of a Respite study's sessions.tsv (written by the report beside it),
# the R counterpart of analysis.py.
#
# Usage: Rscript analysis.R [FOLDER]    (FOLDER defaults to the folder this script is in)
# Needs: lme4 and emmeans (Debian: r-cran-lme4 r-cran-emmeans); pbkrtest, if installed,
# gives Kenward-Roger df for the contrasts, else lmerTest gives Satterthwaite, else z.
#
# What it fits. Sessions with status "completed" and a post_nrs are kept (a participant
# with only one such session still contributes it). Two linear mixed models with a random
# intercept per participant, fitted by REML:
#
#   adjusted:    lmer(post_nrs ~ factor(condition) + factor(period) + baseline_nrs + (1 | participant))
#   unadjusted:  lmer(post_nrs ~ factor(condition) + factor(period) + (1 | participant))
#
# Labels are ordered as the report orders masks (X1, X2, ..., X10 after X9; other labels in
# code-point order) and the reference condition is the first of them, so factor(condition)x
# is x - first; the emmeans contrasts below give first - second, the report's own sign. factor(period) is left out when there is one period,
# baseline_nrs when it does not vary, and with one session per participant (the random
# intercept is then not identified) the same formula is fitted by lm() instead.
#
# Rows written: the fixed effects (p from the Wald z, as statsmodels gives, so they can be
# set beside analysis_python.tsv; df n/a; with lm(), t on the residual df), then emmeans pairwise contrasts between
# conditions, first - second in label order (a - b, X1 - X2), with their df and a
# t-based p, not adjusted for multiplicity. For a complete 2x2 cross-over (every kept
# participant has both periods) the unadjusted contrast a - b is the Hills-Armitage
# treatment estimate, and with Kenward-Roger df (n - 2) its SE and p are those of the
# report's contrasts.tsv too, unless REML puts the participant variance at zero.
#
# Output: a TSV on stdout with header  model, term, estimate, se, df, p,  also written to
# analysis_r.tsv in FOLDER. Notes (rows used, terms dropped, fit messages) go to stderr.

suppressPackageStartupMessages({
  library(lme4)
  library(emmeans)
})

note <- function(...) message("analysis.R: ", ...)

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE))
  if (length(file) == 1) dirname(normalizePath(file)) else getwd()
}

args <- commandArgs(trailingOnly = TRUE)
folder <- if (length(args) >= 1) args[1] else script_dir()
path <- file.path(folder, "sessions.tsv")

d <- read.delim(path, na.strings = c("n/a", ""), quote = "", comment.char = "",
                stringsAsFactors = FALSE, check.names = FALSE, encoding = "UTF-8",
                colClasses = c(participant = "character", condition = "character",
                               status = "character"))
needed <- c("participant", "period", "condition", "baseline_nrs", "post_nrs", "status")
if (!all(needed %in% names(d))) {
  stop("analysis.R: ", path, ": no column ", paste(setdiff(needed, names(d)), collapse = ", "))
}
for (col in c("period", "baseline_nrs", "post_nrs")) d[[col]] <- suppressWarnings(as.numeric(d[[col]]))
kept <- d[!is.na(d$status) & d$status == "completed" & !is.na(d$post_nrs) & !is.na(d$condition), ]
note(nrow(kept), " of ", nrow(d), " sessions kept (completed, with post_nrs), ",
     length(unique(kept$participant)), " participants")

df_method <- if (requireNamespace("pbkrtest", quietly = TRUE)) {
  "kenward-roger"
} else if (requireNamespace("lmerTest", quietly = TRUE)) {
  "satterthwaite"
} else {
  "asymptotic"
}

num <- function(x) ifelse(is.finite(x), sprintf("%.8g", x), "n/a")

# Masks X1, X2, ... by their number (X10 after X9); other labels in code-point order.
label_order <- function(labels) {
  if (length(labels) > 0 && all(grepl("^X[1-9][0-9]*$", labels))) {
    labels[order(as.integer(substring(labels, 2)))]
  } else {
    sort(labels, method = "radix")
  }
}

fit_one <- function(data, name, adjust) {
  if (adjust) data <- data[!is.na(data$baseline_nrs), ]
  if (any(!is.na(data$period))) data <- data[!is.na(data$period), ]
  conditions <- label_order(unique(data$condition))
  if (length(conditions) < 2) {
    note(name, ": fewer than two conditions among the kept sessions; not fitted")
    return(NULL)
  }
  data$condition <- factor(data$condition, levels = conditions)
  terms <- "factor(condition)"
  if (length(unique(data$period)) > 1) {
    terms <- c(terms, "factor(period)")
  } else {
    note(name, ": one period only; factor(period) left out")
  }
  if (adjust) {
    if (length(unique(data$baseline_nrs)) > 1) {
      terms <- c(terms, "baseline_nrs")
    } else {
      note(name, ": baseline_nrs does not vary; left out")
    }
  }
  one_each <- max(table(data$participant)) == 1
  rhs <- paste(terms, collapse = " + ")
  note(name, ": post_nrs ~ ", rhs,
       if (one_each) ", lm() (one session per participant)" else " + (1 | participant), REML",
       "; ", nrow(data), " sessions, ", length(unique(data$participant)), " participants")
  fit <- tryCatch(
    withCallingHandlers(
      if (one_each) {
        lm(as.formula(paste("post_nrs ~", rhs)), data = data)
      } else {
        lmer(as.formula(paste("post_nrs ~", rhs, "+ (1 | participant)")), data = data, REML = TRUE)
      },
      message = function(m) { note(name, ": ", conditionMessage(m)); invokeRestart("muffleMessage") },
      warning = function(w) { note(name, ": ", conditionMessage(w)); invokeRestart("muffleWarning") }
    ),
    error = function(e) { note(name, ": not fitted: ", conditionMessage(e)); NULL }
  )
  if (is.null(fit)) return(NULL)
  co <- summary(fit)$coefficients
  # lmer gives no df: Wald z, as statsmodels. lm gives t on its residual df.
  fixed <- data.frame(model = name, term = rownames(co), estimate = co[, 1], se = co[, 2],
                      df = if (one_each) fit$df.residual else NA_real_,
                      p = if (one_each) co[, 4] else 2 * pnorm(-abs(co[, 1] / co[, 2])),
                      stringsAsFactors = FALSE)
  emm <- if (one_each) emmeans(fit, ~ condition) else emmeans(fit, ~ condition, lmer.df = df_method)
  pw <- summary(pairs(emm, adjust = "none"))
  if (!one_each) note(name, ": contrasts with ", df_method, " df")
  contrasts <- data.frame(model = name,
                          term = gsub(" - ", " \u2212 ", as.character(pw$contrast), fixed = TRUE),
                          estimate = pw$estimate, se = pw$SE, df = pw$df, p = pw$p.value,
                          stringsAsFactors = FALSE)
  rbind(fixed, contrasts)
}

rows <- rbind(fit_one(kept, "adjusted", TRUE), fit_one(kept, "unadjusted", FALSE))
lines <- "model\tterm\testimate\tse\tdf\tp"
if (!is.null(rows)) {
  lines <- c(lines, paste(rows$model, rows$term, num(rows$estimate), num(rows$se),
                          num(rows$df), num(rows$p), sep = "\t"))
}
text <- enc2utf8(paste0(paste(lines, collapse = "\n"), "\n"))
out <- file.path(folder, "analysis_r.tsv")
writeBin(charToRaw(text), out)
# The same bytes to stdout, whatever the locale (cat() would write <U+2212> in a C locale).
writeLines(text, stdout(), sep = "", useBytes = TRUE)
if (is.null(rows)) quit(status = 1)
