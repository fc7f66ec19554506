# Delete IIS log files (*.log) older than retention_days under log_root.
# Safe to run again: only files past the cut-off are removed.
$ErrorActionPreference = 'Stop'

$logRoot = '{{log_root}}'
$instance = '{{ACS::InstanceId}}'
$retentionDays = 0
if (-not [int]::TryParse('{{retention_days}}', [ref]$retentionDays) -or $retentionDays -lt 1) {
    throw "retention_days must be a whole number of at least 1"
}

if (-not (Test-Path -LiteralPath $logRoot -PathType Container)) {
    Write-Output "No IIS log folder at $logRoot on $instance; nothing to do."
    exit 0
}

$cutoff = (Get-Date).AddDays(-$retentionDays)
$old = @(Get-ChildItem -LiteralPath $logRoot -Recurse -File -Filter '*.log' |
    Where-Object { $_.LastWriteTime -lt $cutoff })
$bytes = ($old | Measure-Object -Property Length -Sum).Sum
$failed = 0
foreach ($file in $old) {
    try {
        Remove-Item -LiteralPath $file.FullName -Force
    } catch {
        # IIS may still hold the newest file of a site open; report it and go on.
        Write-Warning "Cannot delete $($file.FullName): $($_.Exception.Message)"
        $failed++
    }
}

$mb = [math]::Round($bytes / 1MB, 1)
Write-Output "${instance}: removed $($old.Count - $failed) of $($old.Count) log files ($mb MB) older than $retentionDays days under $logRoot"
if ($failed -gt 0) { exit 1 }
