// SPDX-License-Identifier: GPL-2.0-only
// `workload.events` (a YAML list of [TIME, OP, ID, ORDER, GFP, CPU] or a block of compact
// lines), `workload.events_file` (compact lines, checked by streaming the file once) and
// `workload.generators` (made once here, so a bad parameter is reported at its key).
#include "workloads/explicit_events.h"
#include "workloads/generators.h"
#include "workloads/scenario_read.h"

#include <fstream>

namespace pagesim {

namespace {

EventLimits limits_of(const ReadContext& ctx) {
    return {ctx.max_order()};
}

// The indentation of line `line` (1-based) of `file`: block scalars lose theirs in the
// parser, and a message must point at the right column. Read only when reporting.
unsigned indentation(const std::string& file, int line) {
    std::ifstream in(file);
    std::string text;
    for (int i = 0; i < line && std::getline(in, text); ++i) {}
    unsigned n = 0;
    while (n < text.size() && text[n] == ' ') ++n;
    return n;
}

// Compact lines inside the scenario (`events: |`): positions are the block's lines.
std::vector<ExplicitEvent> read_compact_block(const ConfigNode& n, const ReadContext& ctx) {
    const std::string& text = n.text();
    const bool block = text.find('\n') != std::string::npos;
    EventLineParser parser;
    EventListChecker checker(limits_of(ctx));
    std::vector<ExplicitEvent> out;
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::string_view line(text.data() + pos,
                                    (nl == std::string::npos ? text.size() : nl) - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        ++line_no;
        // A block scalar's lines start on the line after its '|'; a plain scalar is
        // one line at its own mark.
        Mark m = n.mark();
        m.line = block ? n.mark().line + line_no : n.mark().line;
        ExplicitEvent ev;
        bool order_given = false;
        try {
            if (!parser.parse(line, ev, order_given)) continue;
            ev.line = static_cast<std::uint32_t>(m.line);
            checker.check(ev, order_given);
        } catch (const EventError& e) {
            const unsigned col = parser.column(e.field());
            const unsigned base =
                block ? indentation(m.file, m.line) : static_cast<unsigned>(n.mark().col - 1);
            m.col = static_cast<int>(base + (col ? col : 1));
            throw ConfigError(m, e.what());
        }
        out.push_back(ev);
    }
    return out;
}

// One item of the YAML list form: [TIME, OP, ID, ORDER, GFP, CPU] (ORDER and GFP optional
// for a free; "-" skips one).
ExplicitEvent read_event_item(const ConfigNode& item, EventListChecker& checker,
                              const ReadContext& ctx) {
    const auto& f = item.items();
    if (f.size() < 3 || f.size() > 6)
        item.fail("an event is [TIME, OP, ID, ORDER, GFP, CPU] (ORDER and GFP optional for a "
                  "free, CPU optional)");
    ExplicitEvent ev;
    ev.line = static_cast<std::uint32_t>(item.mark().line);
    const ConfigNode& t = f[0];
    bool all_digits = !t.text().empty();
    for (char c : t.text()) all_digits = all_digits && c >= '0' && c <= '9';
    ev.time_ns = all_digits ? t.as_int() : read_duration(t);
    const std::size_t op = f[1].as_choice({"alloc", "free"});
    ev.op = op == 0 ? ExplicitEvent::Alloc : ExplicitEvent::Free;
    ev.id = f[2].as_uint();
    const bool alloc = ev.op == ExplicitEvent::Alloc;
    if (alloc && f.size() < 5) item.fail("an alloc event needs ORDER and GFP");
    const bool order_given = f.size() > 3 && f[3].text() != "-";
    if (order_given) {
        const std::uint64_t o = f[3].as_uint();
        if (o > 255) f[3].fail("expected an order");
        ev.order = static_cast<std::uint8_t>(o);
    }
    ev.gfp = 0;
    if (f.size() > 4 && f[4].text() != "-") ev.gfp = read_gfp(f[4]);
    if (alloc && f[4].text() == "-") f[4].fail("an alloc event needs a GFP");
    if (f.size() > 5) {
        const std::uint64_t c = f[5].as_uint();
        if (c > 65535) f[5].fail("expected a CPU number");
        ev.cpu = static_cast<std::uint16_t>(c);
    }
    (void)ctx;
    try {
        checker.check(ev, order_given);
    } catch (const EventError& e) {
        const auto i = static_cast<std::size_t>(e.field());
        (i < f.size() ? f[i] : item).fail(e.what());
    }
    return ev;
}

} // namespace

std::vector<ExplicitEvent> read_events(const ConfigNode& n, const ReadContext& ctx) {
    if (n.is_scalar()) return read_compact_block(n, ctx);
    EventListChecker checker(limits_of(ctx));
    std::vector<ExplicitEvent> out;
    out.reserve(n.items().size());
    for (const ConfigNode& item : n.items()) out.push_back(read_event_item(item, checker, ctx));
    return out;
}

std::string read_events_file(const ConfigNode& n, const ReadContext& ctx) {
    const std::string path = ctx.resolve(n.as_string());
    std::ifstream in(path);
    if (!in) n.fail("cannot read the event list '" + path + "'");
    LineReader lines(in);
    EventLineParser parser;
    EventListChecker checker(limits_of(ctx));
    TextLine l;
    while (lines.next(l)) {
        if (l.too_long) throw ConfigError({path, static_cast<int>(l.number), 1}, "line too long");
        ExplicitEvent ev;
        bool order_given = false;
        try {
            if (!parser.parse(l.text, ev, order_given)) continue;
            ev.line = static_cast<std::uint32_t>(l.number);
            checker.check(ev, order_given);
        } catch (const EventError& e) {
            const unsigned col = parser.column(e.field());
            throw ConfigError({path, static_cast<int>(l.number), static_cast<int>(col ? col : 1)},
                              e.what());
        }
    }
    return path;
}

std::vector<GeneratorSpec> read_generators(const ConfigNode& list, const ReadContext& ctx,
                                           std::uint64_t seed) {
    std::vector<GeneratorSpec> out;
    const auto& table = generator_params();
    for (const ConfigNode& item : list.items()) {
        GeneratorSpec g;
        MapReader r(item, "generator");
        const ConfigNode& kind = r.required("kind");
        g.kind = kind.as_string();
        const auto it = table.find(g.kind);
        if (it == table.end()) {
            std::vector<std::string> names;
            for (const auto& [name, params] : table) names.push_back(name);
            std::string msg = "unknown generator '" + g.kind + "'";
            const std::string best = closest_match(g.kind, names);
            msg += best.empty() ? std::string(" (known:") : " (did you mean '" + best + "'?";
            if (best.empty())
                for (const std::string& name : names) msg += " " + name;
            kind.fail(msg + ")");
        }
        g.name = g.kind;
        if (const ConfigNode* v = r.optional("name")) g.name = read_name(*v, "generator");
        for (const auto& [param, meaning] : it->second) r.allow(param);
        r.finish(); // "unknown key 'slot' in generator (did you mean 'slots'?)"
        for (const ConfigNode::Entry& e : item.entries())
            if (e.key != "kind" && e.key != "name" && !e.value.is_null())
                g.params[e.key] = e.value.as_string();
        for (const GeneratorSpec& o : out)
            if (o.name == g.name)
                (item.find("name") ? *item.find("name") : item)
                    .fail("duplicate generator '" + g.name + "' (give each a 'name')");
        try {
            (void)make_generator(g, seed, ctx.machine->ncpus);
        } catch (const GeneratorError& e) {
            const ConfigNode* at = item.find(e.param());
            (at ? *at : item).fail(e.what());
        }
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace pagesim
