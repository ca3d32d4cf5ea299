/*
 * The Chinese SMS texts an operator gateway sends back (SPEC.md §3): the eligibility answer with
 * every unmet condition and its remedy in one reply, the authorization code, and the help text.
 * The wording is short on purpose: a reply travels in 67-character UCS-2 parts, and each line
 * says one thing the subscriber can act on. All dates and times are Beijing time, all amounts
 * exact yuan from integer fen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "mnp/authcode.h"
#include "mnp/order.h"
#include "mnp/sms_reply.h"

#define CST_OFFSET_S (8 * 3600) /* China Standard Time, UTC+8, no daylight saving */
#define TEXT_SIZE    32         /* a date, a time or an amount, with NUL */

static const char *str_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Floor division, correct for instants before 1970 too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The Beijing calendar fields of ms. Seconds first, then the offset, so that no instant of the
 * int64 range overflows; a year gmtime cannot represent leaves the fields zero. */
static void beijing_tm(int64_t ms, struct tm *tm)
{
    time_t t = (time_t)(floor_div(ms, 1000) + CST_OFFSET_S);
    if (gmtime_r(&t, tm) == NULL)
        *tm = (struct tm){0};
}

const char *mnp_reply_date(int64_t ms, char *out, size_t size)
{
    struct tm tm;
    beijing_tm(ms, &tm);
    if (size > 0)
        snprintf(out, size, "%lld年%d月%d日", (long long)tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
    return out;
}

const char *mnp_reply_yuan(int64_t fen, char *out, size_t size)
{
    /* The magnitude in unsigned arithmetic, so that INT64_MIN has one too. */
    uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    if (size > 0)
        snprintf(out, size, "%s%" PRIu64 ".%02u元", fen < 0 ? "-" : "", mag / 100,
                 (unsigned)(mag % 100));
    return out;
}

/* The last Beijing day an agreement is in force: end_ms is exclusive, so an agreement that
 * ends at the start of 1 July runs "to 30 June". */
static const char *last_day(const mnp_agreement_t *a, char *out)
{
    return mnp_reply_date(a->end_ms > INT64_MIN ? a->end_ms - 1 : a->end_ms, out, TEXT_SIZE);
}

/* RULE E01: how to get a natural person's real-name registration. */
static void put_e01(mnp_buf_t *out, mnp_registration_t reg)
{
    switch (reg) {
    case MNP_REG_COMPANY:
        mnp_buf_puts(out, "号码登记在单位名下，请先办理过户到个人名下");
        break;
    case MNP_REG_NONE:
        mnp_buf_puts(out, "号码未实名登记，请本人持身份证件到营业厅办理实名登记");
        break;
    default:
        mnp_buf_puts(out, "号码未以个人实名登记，请持证件到营业厅办理实名登记或过户");
        break;
    }
}

/* RULE E02: how to restore normal status. */
static void put_e02(mnp_buf_t *out, mnp_sub_status_t status)
{
    switch (status) {
    case MNP_SUB_LOST:
        mnp_buf_puts(out, "号码处于挂失状态，请先办理解挂");
        break;
    case MNP_SUB_SUSPENDED:
        mnp_buf_puts(out, "号码处于停机状态，请先办理复机");
        break;
    default:
        mnp_buf_puts(out, "号码状态异常，请先恢复正常使用");
        break;
    }
}

/* RULE E04: each blocking agreement with its last day and fee, and how to end it. One agreement
 * reads as a sentence; several are listed in one line, each with its own date and fee, so the
 * condition stays one numbered line. */
static void put_e04(mnp_buf_t *out, const mnp_elig_result_t *r)
{
    char day[TEXT_SIZE], fee[TEXT_SIZE];
    if (r->nblocking == 0) {
        mnp_buf_puts(out, "有未到期的在网约定，可到营业厅办理解除");
        return;
    }
    if (r->nblocking == 1) {
        const mnp_agreement_t *a = r->blocking[0];
        mnp_buf_printf(out, "在网约定「%s」至%s，", a->name, last_day(a, day));
        if (a->fee_fen > 0)
            mnp_buf_printf(out, "可到营业厅缴纳违约金%s解除",
                           mnp_reply_yuan(a->fee_fen, fee, sizeof(fee)));
        else
            mnp_buf_puts(out, "可到营业厅免费解除");
        return;
    }
    mnp_buf_puts(out, "在网约定");
    for (size_t i = 0; i < r->nblocking; i++) {
        const mnp_agreement_t *a = r->blocking[i];
        mnp_buf_printf(out, "%s「%s」（至%s，", i > 0 ? "、" : "", a->name, last_day(a, day));
        if (a->fee_fen > 0)
            mnp_buf_printf(out, "违约金%s）", mnp_reply_yuan(a->fee_fen, fee, sizeof(fee)));
        else
            mnp_buf_puts(out, "无违约金）");
    }
    mnp_buf_puts(out, "，可到营业厅办理解除");
}

/* The remedy of one unmet condition, without number or punctuation. */
static void put_condition(mnp_buf_t *out, int code, const mnp_elig_result_t *r)
{
    char text[TEXT_SIZE];
    switch (code) {
    case 1:
        put_e01(out, r->registration);
        break;
    case 2:
        put_e02(out, r->status);
        break;
    case 3: /* RULE E03: billed charges only; the amount owed */
        mnp_buf_printf(out, "有已出账未缴费用%s，请先缴清",
                       mnp_reply_yuan(r->unpaid_fen, text, sizeof(text)));
        break;
    case 4:
        put_e04(out, r);
        break;
    case 5: /* RULE E05: the first date porting is possible */
        mnp_buf_printf(out, "距上次携转不足120天，%s起可办理",
                       mnp_reply_date(r->port_again_ms, text, sizeof(text)));
        break;
    case 6:
        mnp_buf_puts(out, "该号码类型不支持携号转网");
        break;
    default: /* RULE E07: no more than that the two do not match */
        mnp_buf_puts(out, "姓名或证件号码与登记信息不符，请核对");
        break;
    }
}

void mnp_reply_eligibility(const mnp_elig_result_t *r, const mnp_reply_ctx_t *ctx, mnp_buf_t *out)
{
    const char *op = str_or_empty(ctx->operator_name);
    const char *svc = str_or_empty(ctx->service_number);
    if (r->eligible) {
        mnp_buf_printf(out, "【%s】您的号码满足携号转网条件。", op);
        /* RULE §3.1: name what porting ends, so that nothing comes as a surprise later. */
        size_t listed = 0;
        for (size_t i = 0; ctx->services != NULL && i < ctx->nservices; i++) {
            const char *s = ctx->services[i];
            if (s == NULL || s[0] == '\0')
                continue;
            mnp_buf_printf(out, "%s%s", listed++ == 0 ? "\n携转后将终止：" : "、", s);
        }
        if (listed > 0)
            mnp_buf_puts(out, "。");
        if (ctx->balance_fen > 0) {
            char yuan[TEXT_SIZE];
            mnp_buf_printf(out, "\n账户余额%s，可在携转前用完或申请退还。",
                           mnp_reply_yuan(ctx->balance_fen, yuan, sizeof(yuan)));
        }
        mnp_buf_printf(out, "\n如需办理，请发送SQXZ#姓名#证件号码至%s获取授权码。", svc);
        return;
    }
    size_t nlines = 0;
    for (int code = 1; code <= 7; code++)
        nlines += r->unmet[code];
    bool only_e06 = nlines == 1 && r->unmet[6];
    mnp_buf_printf(out, "【%s】您的号码%s满足携号转网条件：", op, only_e06 ? "不" : "暂不");
    size_t line = 0;
    for (int code = 1; code <= 7; code++) {
        if (!r->unmet[code])
            continue;
        mnp_buf_printf(out, "\n%zu.", ++line);
        put_condition(out, code, r);
        mnp_buf_puts(out, line == nlines ? "。" : "；");
    }
    /* Nothing to resend for a number type that never ports. */
    if (only_e06)
        return;
    const char *when = "办妥后请";
    if (r->unmet[7])
        when = "请";
    else if (nlines == 1 && r->unmet[5])
        when = "届时请";
    mnp_buf_printf(out, "\n%s发送CXXZ#姓名#证件号码至%s重新查询。", when, svc);
}

void mnp_reply_code(const char code[7], int64_t expires_ms, const mnp_reply_ctx_t *ctx,
                    mnp_buf_t *out)
{
    struct tm exp, issued;
    beijing_tm(expires_ms, &exp);
    /* The date only when the hour of validity crosses Beijing midnight: otherwise the time alone
     * is unambiguous, and shorter. */
    beijing_tm(expires_ms >= INT64_MIN + MNP_AUTHCODE_VALID_MS ? expires_ms - MNP_AUTHCODE_VALID_MS
                                                               : expires_ms,
               &issued);
    char until[TEXT_SIZE] = "";
    if (exp.tm_year != issued.tm_year || exp.tm_yday != issued.tm_yday)
        snprintf(until, sizeof(until), "%d月%d日", exp.tm_mon + 1, exp.tm_mday);
    mnp_buf_printf(out,
                   "【%s】您的携号转网授权码为%.6s，%s%02d:%02d前有效，仅可使用一次，"
                   "重新申请后原授权码失效。",
                   str_or_empty(ctx->operator_name), code, until, exp.tm_hour, exp.tm_min);
    /* RULE §3.3: any store or online channel of the recipient, no appointment. */
    mnp_buf_puts(out, "\n请凭身份证件和授权码到新运营商任一营业厅或线上渠道办理。"
                      "\n授权码请勿告知他人。");
}

void mnp_reply_help(const mnp_reply_ctx_t *ctx, mnp_buf_t *out)
{
    mnp_buf_printf(out,
                   "【%s】携号转网短信指令，请发送至%s："
                   "\n查询条件：CXXZ#姓名#证件号码"
                   "\n获取授权码：SQXZ#姓名#证件号码",
                   str_or_empty(ctx->operator_name), str_or_empty(ctx->service_number));
}
