// SPDX-License-Identifier: GPL-2.0-only
#include "sim/cli_errors.h"

#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "workloads/config_node.h"
#include "workloads/event_list.h"
#include "workloads/ftrace_event.h"

#include <exception>
#include <stdexcept>

namespace pagesim {

int report_command_error(std::ostream& err) {
    try {
        throw;
    } catch (const ConfigError& e) { // already "file:line:col: error: ..."
        err << e.what() << "\n";
        return 2;
    } catch (const EventListError& e) {
        err << e.what() << "\n";
        return 2;
    } catch (const FtraceError& e) {
        err << e.what() << "\n";
        return 2;
    } catch (const CmdlineError& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const LayoutError& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "pagesim: " << e.what() << "\n";
        return 1;
    }
}

} // namespace pagesim
