package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code string.format} whose floating-point conversions honour their precision: LuaJ's own prints
 * {@code %.2f} of 1.5 as "1.5" where Lua (and Envoy's LuaJIT) print "1.50". {@code %f}, {@code %e}
 * and {@code %E} are formatted here as C does; every other conversion by LuaJ's, one at a time.
 */
final class StringFormat {

    private static final Pattern SPEC = Pattern.compile("%([-+ #0]*)(\\d*)(?:\\.(\\d+))?([a-zA-Z%])");

    private StringFormat() {
    }

    static LuaValue wrap(LuaValue original) {
        return LuaValues.fn(a -> format(original, a));
    }

    private static Varargs format(LuaValue original, Varargs a) {
        String fmt = a.checkjstring(1);
        if (fmt.indexOf('f') < 0 && fmt.indexOf('e') < 0 && fmt.indexOf('E') < 0) {
            return original.invoke(a);
        }
        StringBuilder out = new StringBuilder();
        Matcher m = SPEC.matcher(fmt);
        int at = 0;
        int arg = 2;
        while (m.find()) {
            out.append(fmt, at, m.start());
            at = m.end();
            char conversion = m.group(4).charAt(0);
            if (conversion == '%') {
                out.append('%');
            } else if (conversion == 'f' || conversion == 'e' || conversion == 'E') {
                double v = a.checkdouble(arg++);
                String precision = m.group(3) == null ? "6" : m.group(3);
                out.append(String.format(Locale.ROOT, "%" + m.group(1) + m.group(2) + "." + precision + conversion, v));
            } else {
                out.append(original.call(LuaValue.valueOf(m.group()), a.arg(arg++)).tojstring());
            }
        }
        if (at == 0 && out.length() == 0 && fmt.indexOf('%') >= 0) {
            throw new LuaError("invalid format string '" + fmt + "'");
        }
        out.append(fmt, at, fmt.length());
        return LuaString.valueOf(out.toString());
    }
}
