@echo off
rem pgentra.cmd: the pgEntra command-line launcher shipped in an installed app (resources\bin).
rem It runs the app executable in CLI mode (no window), so no separate Node install is needed.
"%~dp0..\..\pgEntra.exe" --pgentra-cli %*
exit /b %ERRORLEVEL%
