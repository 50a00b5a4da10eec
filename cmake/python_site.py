"""Where `cmake --install` puts the Python package for an install prefix.

Prints one directory: the site-packages directory of this Python that lies
under the prefix (Debian's /usr/local/lib/python3.X/dist-packages for
/usr/local, the user site for ~/.local), else PREFIX/lib/python3.X/site-packages
(then PYTHONPATH must name it). A second line says whether this Python
already searches it ("on-path" or "off-path").
"""
import os
import site
import sys
import sysconfig

prefix = os.path.realpath(sys.argv[1])
candidates = [sysconfig.get_path("purelib")]
candidates += getattr(site, "getsitepackages", lambda: [])()
candidates.append(site.getusersitepackages())
under = []
for c in candidates:
    real = os.path.realpath(c) if c else ""
    if real.startswith(prefix + os.sep):
        rel = os.path.relpath(real, prefix)
        under.append((not rel.startswith("lib"), len(rel), c))
if under:
    chosen = sorted(under)[0][2]
else:
    chosen = os.path.join(prefix, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
searched = {os.path.realpath(p) for p in sys.path if p}
if site.ENABLE_USER_SITE:  # searched once it exists, which the install makes it
    searched.add(os.path.realpath(site.getusersitepackages()))
print(chosen)
print("on-path" if os.path.realpath(chosen) in searched else "off-path")
