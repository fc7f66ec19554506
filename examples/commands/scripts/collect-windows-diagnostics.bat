@echo off
rem Save system information, network state, services and the latest errors of the
rem System log into one folder per task. Safe to run again: files are overwritten.
setlocal EnableExtensions

set "OUT={{output_dir}}\{{ACS::InvokeId}}"
if not exist "%OUT%\" mkdir "%OUT%"
if errorlevel 1 (
  echo Cannot create %OUT% 1>&2
  exit /b 1
)

systeminfo > "%OUT%\systeminfo.txt" 2>&1
ipconfig /all > "%OUT%\ipconfig.txt" 2>&1
netstat -ano > "%OUT%\netstat.txt" 2>&1
route print > "%OUT%\routes.txt" 2>&1
sc query type= service state= all > "%OUT%\services.txt" 2>&1
tasklist /v > "%OUT%\tasks.txt" 2>&1
wevtutil qe System /c:200 /rd:true /f:text /q:"*[System[(Level=1 or Level=2)]]" > "%OUT%\system-errors.txt" 2>&1

echo Diagnostics of {{ACS::InstanceId}} written to %OUT%:
dir /b "%OUT%"
exit /b 0
